; Origin: tree-sitter-javascript 0.25.0 and tree-sitter-typescript 0.23.2, queries/tags.scm
; (the TypeScript grammars' tags are JavaScript's query followed by TypeScript's own). Upstream patterns first, kept verbatim except where marked, then extensions
; for a code index. Kinds: class, function (a method inside a class, by the container rule),
; method, constructor, field, constant (module-level `const`), variable (module-level `let`/`var`),
; interface, type, enum, namespace, property; references: call, class, type, implementation.
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

; --- Upstream (tree-sitter-typescript) ---

(function_signature
  name: (identifier) @name) @definition.function

(method_signature
  name: (property_identifier) @name) @definition.method

(abstract_method_signature
  name: (property_identifier) @name) @definition.method

(abstract_class_declaration
  name: (type_identifier) @name) @definition.class

; Upstream: @definition.module. The extractor turns a function inside a class-like container,
; which includes `module` (right for Ruby), into a method; a TypeScript module is a namespace.
(module
  name: (identifier) @name) @definition.namespace

(interface_declaration
  name: (type_identifier) @name) @definition.interface

(type_annotation
  (type_identifier) @name) @reference.type

(new_expression
  constructor: (identifier) @name) @reference.class

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
(public_field_definition
  name: [(property_identifier) (private_property_identifier)] @name
  value: [(arrow_function) (function_expression)]) @definition.method

(public_field_definition
  name: [(property_identifier) (private_property_identifier)] @name
  !value) @definition.field

(public_field_definition
  name: [(property_identifier) (private_property_identifier)] @name
  value: [
    (number) (string) (template_string) (regex) (true) (false) (null) (undefined)
    (identifier) (object) (array) (call_expression) (new_expression) (member_expression)
    (subscript_expression) (binary_expression) (unary_expression) (ternary_expression)
    (await_expression) (parenthesized_expression) (sequence_expression) (update_expression)
    (as_expression) (satisfies_expression) (non_null_expression) (type_assertion)
  ]) @definition.field

; Module-level bindings that are not functions or classes (those are tagged above): `const` is a
; constant, `let` and `var` a variable, exported or not, and ambient (`declare const $: JQuery`).
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
          (as_expression) (satisfies_expression) (non_null_expression) (type_assertion)
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
            (as_expression) (satisfies_expression) (non_null_expression) (type_assertion)
          ])
      ] @definition.constant)))

(program
  (ambient_declaration
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
            (as_expression) (satisfies_expression) (non_null_expression) (type_assertion)
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
          (as_expression) (satisfies_expression) (non_null_expression) (type_assertion)
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
            (as_expression) (satisfies_expression) (non_null_expression) (type_assertion)
          ])
      ] @definition.variable)))

(program
  (ambient_declaration
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
            (as_expression) (satisfies_expression) (non_null_expression) (type_assertion)
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
          (as_expression) (satisfies_expression) (non_null_expression) (type_assertion)
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
            (as_expression) (satisfies_expression) (non_null_expression) (type_assertion)
          ])
      ] @definition.variable)))

(program
  (ambient_declaration
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
            (as_expression) (satisfies_expression) (non_null_expression) (type_assertion)
          ])
      ] @definition.variable)))

(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(enum_body [
  (property_identifier) @name @definition.constant
  (enum_assignment name: (property_identifier) @name) @definition.constant
])
(internal_module name: [(identifier) (nested_identifier)] @name) @definition.namespace
(module name: (string (string_fragment) @name)) @definition.namespace
; Properties of interfaces and of object types named by an alias (`type Props = {...}`); those
; of anonymous inline object types (`opts: { verbose: boolean }`) are not definitions.
(interface_body (property_signature name: (property_identifier) @name) @definition.property)
(type_alias_declaration
  value: (object_type (property_signature name: (property_identifier) @name) @definition.property))

; Superclasses are class references (as in Java and C#); implemented and extended interfaces are
; implementation references (as Java's upstream query does).
(extends_clause value: [
  (identifier) @name
  (member_expression property: (property_identifier) @name)
]) @reference.class
(implements_clause [
  (type_identifier) @name
  (generic_type name: (type_identifier) @name)
  (nested_type_identifier name: (type_identifier) @name)
]) @reference.implementation
(extends_type_clause type: [
  (type_identifier) @name
  (generic_type name: (type_identifier) @name)
  (nested_type_identifier name: (type_identifier) @name)
]) @reference.implementation

; tree-sitter-typescript parses `await a.f<T>(x)` as a call of `await a.f` (type arguments after
; an await bind wrong); the called name is still the member's or identifier's.
(call_expression
  function: (await_expression [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ])
  type_arguments: (_)) @reference.call

; Type uses beyond upstream's direct annotations, by place: generic and qualified types, type
; arguments, unions and intersections, arrays and tuples, constraints and defaults, aliased types,
; return types of function types, `as`/`satisfies`, `keyof`, lookups. A definition's own name
; (interface, alias, class, type parameter) is not among these places.
[
  (type_arguments (type_identifier) @name @reference.type)
  (generic_type name: (type_identifier) @name @reference.type)
  (nested_type_identifier name: (type_identifier) @name @reference.type)
  (union_type (type_identifier) @name @reference.type)
  (intersection_type (type_identifier) @name @reference.type)
  (array_type (type_identifier) @name @reference.type)
  (tuple_type (type_identifier) @name @reference.type)
  (optional_type (type_identifier) @name @reference.type)
  (rest_type (type_identifier) @name @reference.type)
  (readonly_type (type_identifier) @name @reference.type)
  (parenthesized_type (type_identifier) @name @reference.type)
  (lookup_type (type_identifier) @name @reference.type)
  (index_type_query (type_identifier) @name @reference.type)
  (constraint (type_identifier) @name @reference.type)
  (default_type (type_identifier) @name @reference.type)
  (conditional_type (type_identifier) @name @reference.type)
  (type_alias_declaration value: (type_identifier) @name @reference.type)
  (function_type return_type: (type_identifier) @name @reference.type)
  (type_predicate type: (type_identifier) @name @reference.type)
  (as_expression (type_identifier) @name @reference.type)
  (satisfies_expression (type_identifier) @name @reference.type)
]
