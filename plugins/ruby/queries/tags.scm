; Origin: tree-sitter-ruby 0.23.1, queries/tags.scm (upstream patterns first, each change marked),
; then extensions for a code index. Kinds: class, module, method (Ruby has no functions: a
; top-level `def` is a private method of Object), constant; references: call, class
; (instantiation, superclass), implementation (include/extend/prepend), type (other constants).
;
; Where two patterns could tag the same name, the earlier one in this file wins (for the same
; matched node, tree-sitter reports matches in pattern order and the extractor keeps the first).
; The @doc captures and #strip!/#select-adjacent! directives are upstream's; the extractor ignores
; them.

; --- Upstream, adjusted ---

; Method definitions

(
  (comment)* @doc
  .
  [
    (method
      name: (_) @name) @definition.method
    (singleton_method
      name: (_) @name) @definition.method
  ]
  (#strip! @doc "^#\\s*")
  (#select-adjacent! @doc @definition.method)
)

(alias
  name: (_) @name) @definition.method

(setter
  (identifier) @ignore)

; Class definitions

(
  (comment)* @doc
  .
  [
    (class
      name: [
        (constant) @name
        (scope_resolution
          name: (_) @name)
      ]) @definition.class
    (singleton_class
      value: [
        (constant) @name
        (scope_resolution
          name: (_) @name)
      ]) @definition.class
  ]
  (#strip! @doc "^#\\s*")
  (#select-adjacent! @doc @definition.class)
)

; Module definitions

(
  (module
    name: [
      (constant) @name
      (scope_resolution
        name: (_) @name)
    ]) @definition.module
)

; Calls

(call method: (identifier) @name) @reference.call

; Upstream also tags every identifier and constant as a call, relying on `(#is-not? local)` (a
; locals-scope predicate this extractor does not evaluate) to drop local variables:
;   ([(identifier) (constant)] @name @reference.call (#is-not? local) (#not-match? @name ...))
; Without it, every variable would be a call, and the pattern matches every name in the file.
; Dropped: a bare method call without receiver, arguments or parentheses (`log`) is
; indistinguishable from a local variable in a query. Constants are tagged by place below.

; --- Extensions ---

; Constants: `LIMIT = 3`, `Shop::LIMIT = 3`.
(assignment left: (constant) @name) @definition.constant
(assignment left: (scope_resolution name: (constant) @name)) @definition.constant

; Instantiation (`Order.new`, `Shop::Order.new`) and superclasses are class references; this
; comes before the general constant-receiver pattern below, which matches `Order.new` too.
(
  (call
    receiver: [
      (constant) @name
      (scope_resolution name: (constant) @name)
    ]
    method: (identifier) @_method) @reference.class
  (#eq? @_method "new")
)

(superclass [
  (constant) @name
  (scope_resolution name: (constant) @name)
]) @reference.class

; Mixins: `include Comparable`, `extend Forwardable`, `prepend Auditing`.
(
  (call
    method: (identifier) @_method
    arguments: (argument_list [
      (constant) @name
      (scope_resolution name: (constant) @name)
    ])) @reference.implementation
  (#match? @_method "^(include|extend|prepend)$")
)

; Other constant uses, by place: a receiver (`Config.load`), an argument, a rescued exception,
; the scope of a path (`Errors::Gone`) and its last part, an assigned value. A definition's own
; name (class, module, constant assignment) is not among these places. The method predicates keep
; these apart from the instantiation and mixin patterns above.
(
  (call
    receiver: [
      (constant) @name @reference.type
      (scope_resolution name: (constant) @name @reference.type)
    ]
    method: (identifier) @_method)
  (#not-eq? @_method "new")
)

(
  (call
    method: (identifier) @_method
    arguments: (argument_list [
      (constant) @name @reference.type
      (scope_resolution name: (constant) @name @reference.type)
    ]))
  (#not-match? @_method "^(include|extend|prepend)$")
)

[
  (exceptions (constant) @name @reference.type)
  (exceptions (scope_resolution name: (constant) @name @reference.type))
  (scope_resolution scope: (constant) @name @reference.type)
  (assignment right: (constant) @name @reference.type)
  (assignment right: (scope_resolution name: (constant) @name @reference.type))
]
