import { Database } from "./db";

export const DEFAULT_PAGE_SIZE = 25;
//           ^ definition.constant
let queryCount = 0;
//  ^ definition.variable

export type Id = string & { readonly brand: unique symbol };
//          ^ definition.type

export enum SortOrder {
//          ^ definition.enum
  Asc = "asc",
//^ definition.constant
  Desc = "desc",
//^ definition.constant
}

export interface Entity {
//               ^ definition.interface
  id: Id;
//^ definition.property
//    ^ reference.type
  touch(at: Date): void;
//^ definition.method
//          ^ reference.type
}

export interface Page<T extends Entity> extends Iterable<T> {
//               ^ definition.interface
//                              ^ reference.type
//                                              ^ reference.implementation
  items: T[];
//^ definition.property
  next?: Page<T>;
//^ definition.property
//       ^ reference.type
}

export abstract class Repository<T extends Entity> implements Disposable {
//                    ^ definition.class
//                                                            ^ reference.implementation
  private cache = new Map<Id, T>();
//        ^ definition.field
//                    ^ reference.class
//                        ^ reference.type

  constructor(protected readonly db: Database) {}
//^ definition.constructor
//                                   ^ reference.type

  abstract tableName(): string;
//         ^ definition.method

  async findPage(order: SortOrder, size = DEFAULT_PAGE_SIZE): Promise<Page<T>> {
//      ^ definition.method
//                      ^ reference.type
//                                                            ^ reference.type
    queryCount++;
    const rows = await this.db.select<T>(this.tableName(), { order, size });
//                             ^ reference.call
    rows.forEach((row) => this.cache.set(row.id, row));
    return { items: rows } as Page<T>;
  }

  [Symbol.dispose](): void {
    this.cache.clear();
//             ^ reference.call
  }
}

export namespace Paging {
//               ^ definition.namespace
  export function pageCount(total: number, size: number): number {
//                ^ definition.function
    return Math.ceil(total / size);
//              ^ reference.call
  }
}
