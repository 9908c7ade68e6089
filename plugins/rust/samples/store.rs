//! Storage abstraction shared by the inventory backends.

use crate::inventory::Item;

static BACKEND: &str = "memory";
//     ^ definition.variable

pub trait Store {
//        ^ definition.trait
    type Key;
//       ^ definition.type
    fn get(&self, key: &Self::Key) -> Option<&Item>;
//     ^ definition.method
//                                    ^ reference.type

    fn contains(&self, key: &Self::Key) -> bool {
//     ^ definition.method
        self.get(key).is_some()
//           ^ reference.call
    }
}

macro_rules! ensure {
//           ^ definition.macro
    ($cond:expr, $err:expr) => {
        if !$cond {
            return Err($err);
        }
    };
}

pub fn backend_name() -> String {
//     ^ definition.function
    String::from(BACKEND)
//          ^ reference.call
}

pub fn checked_quantity(raw: &str) -> Result<u32, String> {
//     ^ definition.function
    let value = raw.parse::<u32>().map_err(|e| e.to_string())?;
//                  ^ reference.call
    ensure!(value > 0, "quantity must be positive".to_owned());
//  ^ reference.call
    Ok(value)
}

#[cfg(test)]
mod tests {
//  ^ definition.namespace
    use super::*;

    fn sample_item() -> Item {
//     ^ definition.function
        Item { sku: "A-1".into(), quantity: 3 }
//      ^ reference.class
    }

    #[test]
    fn finds_backend() {
//     ^ definition.function
        assert_eq!(backend_name(), "memory");
        let _ = sample_item();
//              ^ reference.call
    }
}
