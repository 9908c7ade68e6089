; Origin: tree-sitter-go 0.25.0, queries/tags.scm (upstream patterns first, each change marked),
; then extensions for a code index. Kinds: function, method, struct, interface, type, field,
; constant, variable; references: call, type.
;
; Where two patterns could tag the same name, the earlier one in this file wins (for the same
; matched node, tree-sitter reports matches in pattern order and the extractor keeps the first).
; The @doc captures and #strip!/#set-adjacent! directives are upstream's; the extractor ignores them.

; --- Upstream, adjusted ---

(
  (comment)* @doc
  .
  (function_declaration
    name: (identifier) @name) @definition.function
  (#strip! @doc "^//\\s*")
  (#set-adjacent! @doc @definition.function)
)

(
  (comment)* @doc
  .
  (method_declaration
    name: (field_identifier) @name) @definition.method
  (#strip! @doc "^//\\s*")
  (#set-adjacent! @doc @definition.method)
)

(call_expression
  function: [
    (identifier) @name
    (parenthesized_expression (identifier) @name)
    (selector_expression field: (field_identifier) @name)
    (parenthesized_expression (selector_expression field: (field_identifier) @name))
  ]) @reference.call

; Upstream: `(type_spec name: (type_identifier) @name) @definition.type` for every type. A struct
; type is a struct and an interface an interface (upstream captured both without a role, so
; nothing); the other type specs and aliases (`type A = B`) are types.
(type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct

(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface

(type_spec
  name: (type_identifier) @name
  type: [
    (type_identifier) (qualified_type) (generic_type) (pointer_type) (slice_type) (array_type)
    (map_type) (channel_type) (function_type) (parenthesized_type) (negated_type)
  ]) @definition.type

(type_alias
  name: (type_identifier) @name) @definition.type

; Upstream: `(type_identifier) @name @reference.type`, every type identifier, which includes the
; name of each type definition and every predeclared type (int, string, error...). Listed by
; place instead, skipping the predeclared types, which have no definition to find.
(
  [
    (_ type: (type_identifier) @name @reference.type)
    (_ element: (type_identifier) @name @reference.type)
    (_ result: (type_identifier) @name @reference.type)
    (_ key: (type_identifier) @name @reference.type)
    (_ value: (type_identifier) @name @reference.type)
    (qualified_type name: (type_identifier) @name @reference.type)
    (pointer_type (type_identifier) @name @reference.type)
    (parenthesized_type (type_identifier) @name @reference.type)
    (negated_type (type_identifier) @name @reference.type)
    (type_elem (type_identifier) @name @reference.type)
    (type_constraint (type_identifier) @name @reference.type)
    (argument_list (type_identifier) @name @reference.type)
  ]
  (#not-match? @name "^(any|bool|byte|comparable|complex64|complex128|error|float32|float64|int|int8|int16|int32|int64|rune|string|uint|uint8|uint16|uint32|uint64|uintptr)$")
)

; Upstream captured these without a role (so nothing). The package clause and imports stay
; untagged: every file of a package repeats them.
;   (package_clause "package" (package_identifier) @name)
;   (import_declaration (import_spec) @name)
; Upstream's var and const specs matched inside function bodies too; only package-level ones are
; definitions. A spec with one name is the definition node (its initializer's calls get it as
; container); in `var a, b int` each name is its own node, so `b` does not nest inside `a`. The
; two shapes are told apart with anchors: a single name is followed by the type or value, each
; name of several by or after another name.
(source_file
  (var_declaration
    [
      (var_spec . name: (identifier) @name . [type: (_) value: (_)]) @definition.variable
      (var_spec_list (var_spec . name: (identifier) @name . [type: (_) value: (_)]) @definition.variable)
    ]))

(source_file
  (var_declaration
    [
      (var_spec name: (identifier) @name @definition.variable . name: (identifier))
      (var_spec name: (identifier) . name: (identifier) @name @definition.variable)
      (var_spec_list (var_spec name: (identifier) @name @definition.variable . name: (identifier)))
      (var_spec_list (var_spec name: (identifier) . name: (identifier) @name @definition.variable))
    ]))

(source_file
  (const_declaration
    [
      (const_spec . name: (identifier) @name . [type: (_) value: (_)]) @definition.constant
      (const_spec . name: (identifier) @name .) @definition.constant
    ]))

(source_file
  (const_declaration
    [
      (const_spec name: (identifier) @name @definition.constant . name: (identifier))
      (const_spec name: (identifier) . name: (identifier) @name @definition.constant)
    ]))

; --- Extensions ---

; Fields of named struct types and of struct types nested one level in them (each name its own
; node: `X, Y int`). Fields of anonymous structs inside function bodies are locals.
(type_spec
  type: (struct_type
    (field_declaration_list
      (field_declaration name: (field_identifier) @name @definition.field))))

(field_declaration
  type: (struct_type
    (field_declaration_list
      (field_declaration name: (field_identifier) @name @definition.field))))

; Interface methods.
(method_elem name: (field_identifier) @name) @definition.method
