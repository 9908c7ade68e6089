; Origin: tree-sitter-javascript 0.25.0, queries/tags.scm. Upstream patterns first, kept verbatim except where marked, then extensions
; for a code index. Kinds: class, function (a method inside a class, by the container rule),
; method, constructor, field, constant (module-level `const`), variable (module-level `let`/`var`);
; references: call, class.
;
; Where two patterns could tag the same name, the earlier one in this file wins (for the same
; matched node, tree-sitter reports matches in pattern order and the extractor keeps the first).
; The @doc captures and #strip!/#select-adjacent! directives are upstream's; the extractor ignores
; them.

; --- Upstream (tree-sitter-javascript) ---

(
  (comment)* @doc
  .
  (method_definition
    name: (property_identifier) @name) @definition.method
  (#not-eq? @name "constructor")
  (#strip! @doc "^[\\s\\*/]+|^[\\s\\*/]$")
  (#select-adjacent! @doc @definition.method)
)

(
  (comment)* @doc
  .
  [
    (class
      name: (_) @name)
    (class_declaration
      name: (_) @name)
  ] @definition.class
  (#strip! @doc "^[\\s\\*/]+|^[\\s\\*/]$")
  (#select-adjacent! @doc @definition.class)
)

(
  (comment)* @doc
  .
  [
    (function_expression
      name: (identifier) @name)
    (function_declaration
      name: (identifier) @name)
    (generator_function
      name: (identifier) @name)
    (generator_function_declaration
      name: (identifier) @name)
  ] @definition.function
  (#strip! @doc "^[\\s\\*/]+|^[\\s\\*/]$")
  (#select-adjacent! @doc @definition.function)
)

(
  (comment)* @doc
  .
  (lexical_declaration
    (variable_declarator
      name: (identifier) @name
      value: [(arrow_function) (function_expression)]) @definition.function)
  (#strip! @doc "^[\\s\\*/]+|^[\\s\\*/]$")
  (#select-adjacent! @doc @definition.function)
)

(
  (comment)* @doc
  .
  (variable_declaration
    (variable_declarator
      name: (identifier) @name
      value: [(arrow_function) (function_expression)]) @definition.function)
  (#strip! @doc "^[\\s\\*/]+|^[\\s\\*/]$")
  (#select-adjacent! @doc @definition.function)
)

(assignment_expression
  left: [
    (identifier) @name
    (member_expression
      property: (property_identifier) @name)
  ]
  right: [(arrow_function) (function_expression)]
) @definition.function

(pair
  key: (property_identifier) @name
  value: [(arrow_function) (function_expression)]) @definition.function

(
  (call_expression
    function: (identifier) @name) @reference.call
  (#not-match? @name "^(require)$")
)

(call_expression
  function: (member_expression
    property: (property_identifier) @name)
  arguments: (_) @reference.call)

; Upstream: `constructor: (_) @name`, which names `new ns.Widget()` "ns.Widget". The class is the
; last part of a member expression.
(new_expression
  constructor: [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ]) @reference.class

(export_statement value: (assignment_expression left: (identifier) @name right: ([
 (number)
 (string)
 (identifier)
 (undefined)
 (null)
 (new_expression)
 (binary_expression)
 (call_expression)
]))) @definition.constant

; --- Extensions ---

(method_definition
  name: (property_identifier) @name
  (#eq? @name "constructor")) @definition.constructor

; A class expression bound to a name (`const Store = class {...}`).
(variable_declarator
  name: (identifier) @name
  value: (class)) @definition.class

; Class fields: holding a function, they are methods (`onClick = () => {...}`); otherwise
; fields. The values are listed so the two patterns never tag the same name.
(field_definition
  property: [(property_identifier) (private_property_identifier)] @name
  value: [(arrow_function) (function_expression)]) @definition.method

(field_definition
  property: [(property_identifier) (private_property_identifier)] @name
  !value) @definition.field

(field_definition
  property: [(property_identifier) (private_property_identifier)] @name
  value: [
    (number) (string) (template_string) (regex) (true) (false) (null) (undefined)
    (identifier) (object) (array) (call_expression) (new_expression) (member_expression)
    (subscript_expression) (binary_expression) (unary_expression) (ternary_expression)
    (await_expression) (parenthesized_expression) (sequence_expression) (update_expression)
    (jsx_element) (jsx_self_closing_element)
  ]) @definition.field

; Module-level bindings that are not functions or classes (those are tagged above): `const` is a
; constant, `let` and `var` a variable, exported or not.
; Locals are not definitions. The values are listed so these never tag an arrow function's name.
(program
  (lexical_declaration kind: "const"
    [
      (variable_declarator name: (identifier) @name !value)
      (variable_declarator
        name: (identifier) @name
        value: [
          (number) (string) (template_string) (regex) (true) (false) (null) (undefined)
          (identifier) (object) (array) (call_expression) (new_expression) (member_expression)
          (subscript_expression) (binary_expression) (unary_expression) (ternary_expression)
          (await_expression) (parenthesized_expression) (sequence_expression) (update_expression)
          (jsx_element) (jsx_self_closing_element)
        ])
    ] @definition.constant))

(program
  (export_statement
    declaration: (lexical_declaration kind: "const"
      [
        (variable_declarator name: (identifier) @name !value)
        (variable_declarator
          name: (identifier) @name
          value: [
            (number) (string) (template_string) (regex) (true) (false) (null) (undefined)
            (identifier) (object) (array) (call_expression) (new_expression) (member_expression)
            (subscript_expression) (binary_expression) (unary_expression) (ternary_expression)
            (await_expression) (parenthesized_expression) (sequence_expression) (update_expression)
            (jsx_element) (jsx_self_closing_element)
          ])
      ] @definition.constant)))

(program
  (lexical_declaration kind: "let"
    [
      (variable_declarator name: (identifier) @name !value)
      (variable_declarator
        name: (identifier) @name
        value: [
          (number) (string) (template_string) (regex) (true) (false) (null) (undefined)
          (identifier) (object) (array) (call_expression) (new_expression) (member_expression)
          (subscript_expression) (binary_expression) (unary_expression) (ternary_expression)
          (await_expression) (parenthesized_expression) (sequence_expression) (update_expression)
          (jsx_element) (jsx_self_closing_element)
        ])
    ] @definition.variable))

(program
  (export_statement
    declaration: (lexical_declaration kind: "let"
      [
        (variable_declarator name: (identifier) @name !value)
        (variable_declarator
          name: (identifier) @name
          value: [
            (number) (string) (template_string) (regex) (true) (false) (null) (undefined)
            (identifier) (object) (array) (call_expression) (new_expression) (member_expression)
            (subscript_expression) (binary_expression) (unary_expression) (ternary_expression)
            (await_expression) (parenthesized_expression) (sequence_expression) (update_expression)
            (jsx_element) (jsx_self_closing_element)
          ])
      ] @definition.variable)))

(program
  (variable_declaration
    [
      (variable_declarator name: (identifier) @name !value)
      (variable_declarator
        name: (identifier) @name
        value: [
          (number) (string) (template_string) (regex) (true) (false) (null) (undefined)
          (identifier) (object) (array) (call_expression) (new_expression) (member_expression)
          (subscript_expression) (binary_expression) (unary_expression) (ternary_expression)
          (await_expression) (parenthesized_expression) (sequence_expression) (update_expression)
          (jsx_element) (jsx_self_closing_element)
        ])
    ] @definition.variable))

(program
  (export_statement
    declaration: (variable_declaration
      [
        (variable_declarator name: (identifier) @name !value)
        (variable_declarator
          name: (identifier) @name
          value: [
            (number) (string) (template_string) (regex) (true) (false) (null) (undefined)
            (identifier) (object) (array) (call_expression) (new_expression) (member_expression)
            (subscript_expression) (binary_expression) (unary_expression) (ternary_expression)
            (await_expression) (parenthesized_expression) (sequence_expression) (update_expression)
            (jsx_element) (jsx_self_closing_element)
          ])
      ] @definition.variable)))

; Superclasses are instantiated through `super`: class references, as in Java and C#.
(class_heritage (identifier) @name) @reference.class
(class_heritage (member_expression property: (property_identifier) @name)) @reference.class

; JSX: rendering a component calls it. Lower-case tags are HTML elements, not references.
(
  [
    (jsx_opening_element name: (identifier) @name)
    (jsx_self_closing_element name: (identifier) @name)
  ] @reference.call
  (#match? @name "^[A-Z]")
)
[
  (jsx_opening_element name: (member_expression property: (property_identifier) @name))
  (jsx_self_closing_element name: (member_expression property: (property_identifier) @name))
] @reference.call
