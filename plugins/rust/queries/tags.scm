; Origin: tree-sitter-rust 0.24.2, queries/tags.scm (upstream patterns first, each change marked),
; then extensions for a code index. Kinds: struct, enum, type, function (a method inside an impl
; or trait, by the container rule), trait, namespace, macro, impl, constant, variable, field;
; references: call, type, class (struct literals), implementation (the trait of an impl).
;
; Where two patterns could tag the same name, the earlier one in this file wins (for the same
; matched node, tree-sitter reports matches in pattern order and the extractor keeps the first).

; --- Upstream, adjusted ---

; ADT definitions. Upstream tags all of these @definition.class; they are a struct, an enum, and a
; union (no `union` kind exists; a union is a record type like a struct).

(struct_item
    name: (type_identifier) @name) @definition.struct

(enum_item
    name: (type_identifier) @name) @definition.enum

(union_item
    name: (type_identifier) @name) @definition.struct

; type aliases (upstream: @definition.class)

(type_item
    name: (type_identifier) @name) @definition.type

; method definitions
; Upstream: `(declaration_list (function_item name: (identifier) @name) @definition.method)`. A
; declaration_list is also the body of an inline `mod`, whose functions are not methods. Functions
; in an impl or trait become methods through the container rule (impl and trait are class-like).

; function definitions

(function_item
    name: (identifier) @name) @definition.function

; trait definitions (upstream: @definition.interface)
(trait_item
    name: (type_identifier) @name) @definition.trait

; module definitions
; Upstream: @definition.module. The extractor turns a function inside a class-like container,
; which includes `module` (right for Ruby), into a method, so `fn helper` in `mod tests {...}`
; would become a method. A Rust module is a namespace, and tagged as one.
(mod_item
    name: (identifier) @name) @definition.namespace

; macro definitions

(macro_definition
    name: (identifier) @name) @definition.macro

; references

(call_expression
    function: (identifier) @name) @reference.call

(call_expression
    function: (field_expression
        field: (field_identifier) @name)) @reference.call

(macro_invocation
    macro: (identifier) @name) @reference.call

; implementations

(impl_item
    trait: (type_identifier) @name) @reference.implementation

; Upstream: `(impl_item type: (type_identifier) @name !trait) @reference.implementation`. An impl
; block is a definition of its own, named by its type (`impl Display for Point` is named Point,
; with Display an implementation reference above); generic and path types included.
(impl_item
    type: [
      (type_identifier) @name
      (generic_type type: (type_identifier) @name)
      (scoped_type_identifier name: (type_identifier) @name)
      (generic_type type: (scoped_type_identifier name: (type_identifier) @name))
    ]) @definition.impl

; --- Extensions ---

; Trait method declarations without a body (and foreign functions in `extern` blocks).
(function_signature_item
    name: (identifier) @name) @definition.function

; Constants and statics (module-level or associated); `let` bindings are locals and not tagged.
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.variable

; Associated types: `type Output;` in a trait (`type Output = X;` in an impl is a type_item).
(associated_type name: (type_identifier) @name) @definition.type

; Struct, union and struct-like variant fields; enum variants.
(field_declaration name: (field_identifier) @name) @definition.field
(enum_variant name: (identifier) @name) @definition.constant

; More calls: paths (`Vec::new()`, `mem::take()`), turbofish (`parse::<u8>()`), path macros.
(call_expression
    function: [
      (scoped_identifier name: (identifier) @name)
      (generic_function function: [
        (identifier) @name
        (scoped_identifier name: (identifier) @name)
        (field_expression field: (field_identifier) @name)
      ])
    ]) @reference.call

(macro_invocation
    macro: (scoped_identifier name: (identifier) @name)) @reference.call

(impl_item
    trait: [
      (scoped_type_identifier name: (type_identifier) @name)
      (generic_type type: (type_identifier) @name)
    ]) @reference.implementation

; Struct literals are instantiations.
(struct_expression
    name: [
      (type_identifier) @name
      (scoped_type_identifier name: (type_identifier) @name)
    ]) @reference.class

; Type uses, by place: the type of a parameter, field, let, const or static, return types, type
; arguments, trait bounds and `dyn`/`impl` traits, tuple and array elements, path types' last part.
; A definition's own name is not among these places. `Self` is not a reference to a named type.
(
  [
    (_ type: (type_identifier) @name @reference.type)
    (_ return_type: (type_identifier) @name @reference.type)
    (_ trait: (type_identifier) @name @reference.type)
    (_ element: (type_identifier) @name @reference.type)
    (type_arguments (type_identifier) @name @reference.type)
    (trait_bounds (type_identifier) @name @reference.type)
    (tuple_type (type_identifier) @name @reference.type)
    (scoped_type_identifier name: (type_identifier) @name @reference.type)
  ]
  (#not-eq? @name "Self")
)
