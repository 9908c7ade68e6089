// Shopping cart module: prices in cents, totals cached per cart.
import { formatCents } from "./money.js";
const fs = require("fs");
//    ^ definition.constant

export const TAX_RATE = 0.2;
//           ^ definition.constant
let instances = 0;
//  ^ definition.variable
var legacyCache;
//  ^ definition.variable

export class Cart extends EventEmitter {
//           ^ definition.class
//                        ^ reference.class
  static maxItems = 100;
//       ^ definition.field
  #items = [];
//^ definition.field

  constructor(owner) {
//^ definition.constructor
    super();
    this.owner = owner;
    instances += 1;
  }

  add(item, quantity = 1) {
//^ definition.method
    this.#items.push({ ...item, quantity });
//              ^ reference.call
    this.emit("change", this.total());
//       ^ reference.call
//                           ^ reference.call
  }

  onReset = () => {
//^ definition.method
    this.#items = [];
  };

  total() {
//^ definition.method
    return this.#items.reduce((sum, i) => sum + i.price * i.quantity, 0);
  }
}

function* lineItems(cart) {
//        ^ definition.function
  for (const item of cart.items) yield formatCents(item.price);
//                                     ^ reference.call
}

export const saveCart = async (cart, path) => {
//           ^ definition.function
  const body = JSON.stringify([...lineItems(cart)]);
//                  ^ reference.call
//                                ^ reference.call
  await fs.promises.writeFile(path, body);
};

Cart.prototype.describe = function () {
//             ^ definition.function
  return `${this.owner}: ${this.total()}`;
};

export const handlers = {
//           ^ definition.constant
  reset: (cart) => cart.onReset(),
//^ definition.function
  clone(cart) {
//^ definition.method
    return new Cart(cart.owner);
//             ^ reference.class
  },
};
