import React, { useState } from "react";
import * as UI from "./ui";

export const EMPTY_MESSAGE = "Nothing to do";
//           ^ definition.constant

function TodoItem({ todo, onToggle }) {
//       ^ definition.function
  return (
    <li className={todo.done ? "done" : ""}>
      <UI.Checkbox checked={todo.done} onChange={() => onToggle(todo.id)} />
//        ^ reference.call
//                                                     ^ reference.call
      {todo.title}
    </li>
  );
}

export default function TodoList({ initial }) {
//                      ^ definition.function
  const [todos, setTodos] = useState(initial);
//                          ^ reference.call

  const toggle = (id) =>
//      ^ definition.function
    setTodos(todos.map((t) => (t.id === id ? { ...t, done: !t.done } : t)));
//  ^ reference.call
//                 ^ reference.call

  if (todos.length === 0) return <p>{EMPTY_MESSAGE}</p>;
  return (
    <ul>
      {todos.map((todo) => (
        <TodoItem key={todo.id} todo={todo} onToggle={toggle} />
//       ^ reference.call
      ))}
    </ul>
  );
}
