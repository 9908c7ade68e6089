use std::collections::HashMap;
use std::fmt;
use crate::store::Store;

pub const MAX_ITEMS: usize = 1_000;
//        ^ definition.constant

pub type Sku = String;
//       ^ definition.type
//             ^ reference.type

#[derive(Debug, Clone)]
pub struct Item {
//         ^ definition.struct
    pub sku: Sku,
//      ^ definition.field
//           ^ reference.type
    pub quantity: u32,
//      ^ definition.field
}

#[derive(Debug)]
pub enum InventoryError {
//       ^ definition.enum
    Full,
//  ^ definition.constant
    Missing { sku: Sku },
//  ^ definition.constant
//            ^ definition.field
}

pub struct Inventory {
//         ^ definition.struct
    items: HashMap<Sku, Item>,
//  ^ definition.field
//         ^ reference.type
}

impl Inventory {
//   ^ definition.impl
    pub fn new() -> Self {
//         ^ definition.method
        Inventory { items: HashMap::new() }
//      ^ reference.class
//                                  ^ reference.call
    }

    pub fn add(&mut self, item: Item) -> Result<(), InventoryError> {
//         ^ definition.method
//                              ^ reference.type
        if self.items.len() >= MAX_ITEMS {
//                    ^ reference.call
            return Err(InventoryError::Full);
        }
        self.items.insert(item.sku.clone(), item);
        Ok(())
    }
}

impl Store for Inventory {
//   ^ reference.implementation
//             ^ definition.impl
    type Key = Sku;
//       ^ definition.type
    fn get(&self, key: &Sku) -> Option<&Item> {
//     ^ definition.method
        self.items.get(key)
    }
}

impl fmt::Display for InventoryError {
//        ^ reference.implementation
//                    ^ definition.impl
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
//     ^ definition.method
//                             ^ reference.type
        write!(f, "inventory error: {:?}", self)
//      ^ reference.call
    }
}
