import React, { useEffect, useState } from "react";
import { Avatar } from "./Avatar";

export const FALLBACK_NAME = "Anonymous";
//           ^ definition.constant

export interface User {
//               ^ definition.interface
  id: number;
//^ definition.property
  name?: string;
//^ definition.property
}

type CardProps = { userId: number; onSelect?: (user: User) => void };
//   ^ definition.type
//                 ^ definition.property
//                                 ^ definition.property
//                                                   ^ reference.type

export enum Size { Small, Large }
//          ^ definition.enum
//                 ^ definition.constant
//                        ^ definition.constant

export function useUser(id: number): User | undefined {
//              ^ definition.function
//                                   ^ reference.type
  const [user, setUser] = useState<User>();
//                        ^ reference.call
  useEffect(() => {
    fetchUser(id).then(setUser);
//  ^ reference.call
//                ^ reference.call
  }, [id]);
  return user;
}

export const UserCard: React.FC<CardProps> = ({ userId, onSelect }) => {
//           ^ definition.function
//                           ^ reference.type
//                              ^ reference.type
  const user = useUser(userId);
//             ^ reference.call
  const select = () => user && onSelect?.(user);
//      ^ definition.function
  return (
    <div className="card" onClick={select}>
      <Avatar size={Size.Small} />
      <span>{user?.name ?? FALLBACK_NAME}</span>
    </div>
  );
};

export class CardErrorBoundary extends React.Component<{ children: React.ReactNode }> {
//           ^ definition.class
//                                           ^ reference.class
  state = { failed: false };
//^ definition.field
  static getDerivedStateFromError(): { failed: boolean } {
//       ^ definition.method
    return { failed: true };
  }
  render() {
//^ definition.method
    return this.state.failed ? <p>Something went wrong.</p> : this.props.children;
  }
}
