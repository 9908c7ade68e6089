; Origin: tree-sitter-java 0.23.5, queries/tags.scm (upstream patterns first, kept verbatim), then
; extensions for a code index. Kinds: class (records too), interface (annotation types too),
; enum, method, constructor, field, constant; references: call, class (instantiation and
; superclass), implementation (implemented or extended interfaces), type.
;
; Where two patterns could tag the same name, the earlier one in this file wins (for the same
; matched node, tree-sitter reports matches in pattern order and the extractor keeps the first).

; --- Upstream ---

(class_declaration
  name: (identifier) @name) @definition.class

(method_declaration
  name: (identifier) @name) @definition.method

(method_invocation
  name: (identifier) @name
  arguments: (argument_list) @reference.call)

(interface_declaration
  name: (identifier) @name) @definition.interface

(type_list
  (type_identifier) @name) @reference.implementation

(object_creation_expression
  type: (type_identifier) @name) @reference.class

(superclass (type_identifier) @name) @reference.class

; --- Extensions ---

(enum_declaration name: (identifier) @name) @definition.enum
(record_declaration name: (identifier) @name) @definition.class
(annotation_type_declaration name: (identifier) @name) @definition.interface

(constructor_declaration name: (identifier) @name) @definition.constructor
(compact_constructor_declaration name: (identifier) @name) @definition.constructor
(annotation_type_element_declaration name: (identifier) @name) @definition.method

; Fields: `static final` ones are constants (this pattern first, so it wins over the next). The
; declarator is the node, so `int a, b;` gives siblings rather than `b` nested in `a`.
(field_declaration
  (modifiers) @_modifiers
  declarator: (variable_declarator name: (identifier) @name) @definition.constant
  (#match? @_modifiers "(^|\\s)static(\\s|$)")
  (#match? @_modifiers "(^|\\s)final(\\s|$)"))

(field_declaration
  declarator: (variable_declarator name: (identifier) @name) @definition.field)

; Interface fields are implicitly static final; enum constants; record components are fields.
(constant_declaration
  declarator: (variable_declarator name: (identifier) @name) @definition.constant)
(enum_constant name: (identifier) @name) @definition.constant
(record_declaration
  parameters: (formal_parameters (formal_parameter name: (identifier) @name) @definition.field))

; Method references (`this::process`, `String::valueOf`) call the method.
(method_reference (identifier) @name .) @reference.call

; Generic and qualified forms of upstream's instantiation, superclass and interface references.
(object_creation_expression
  type: [
    (generic_type . (type_identifier) @name)
    (scoped_type_identifier (type_identifier) @name .)
    (generic_type . (scoped_type_identifier (type_identifier) @name .))
  ]) @reference.class

(superclass
  [
    (generic_type . (type_identifier) @name)
    (scoped_type_identifier (type_identifier) @name .)
    (generic_type . (scoped_type_identifier (type_identifier) @name .))
  ]) @reference.class

(type_list
  [
    (generic_type . (type_identifier) @name)
    (scoped_type_identifier (type_identifier) @name .)
    (generic_type . (scoped_type_identifier (type_identifier) @name .))
  ]) @reference.implementation

; Type uses, by place: the type of a field, local, parameter, method result, cast or array, type
; arguments and bounds, thrown and caught types, annotations. `var` is not a type name.
(
  [
    (_ type: [
      (type_identifier) @name @reference.type
      (generic_type . (type_identifier) @name @reference.type)
      (scoped_type_identifier (type_identifier) @name @reference.type .)
      (generic_type . (scoped_type_identifier (type_identifier) @name @reference.type .))
    ])
    (type_arguments [
      (type_identifier) @name @reference.type
      (generic_type . (type_identifier) @name @reference.type)
      (scoped_type_identifier (type_identifier) @name @reference.type .)
      (generic_type . (scoped_type_identifier (type_identifier) @name @reference.type .))
    ])
    (type_bound [
      (type_identifier) @name @reference.type
      (generic_type . (type_identifier) @name @reference.type)
      (scoped_type_identifier (type_identifier) @name @reference.type .)
      (generic_type . (scoped_type_identifier (type_identifier) @name @reference.type .))
    ])
    (throws [
      (type_identifier) @name @reference.type
      (generic_type . (type_identifier) @name @reference.type)
      (scoped_type_identifier (type_identifier) @name @reference.type .)
      (generic_type . (scoped_type_identifier (type_identifier) @name @reference.type .))
    ])
    (catch_type [
      (type_identifier) @name @reference.type
      (generic_type . (type_identifier) @name @reference.type)
      (scoped_type_identifier (type_identifier) @name @reference.type .)
      (generic_type . (scoped_type_identifier (type_identifier) @name @reference.type .))
    ])
    (array_type element: [
      (type_identifier) @name @reference.type
      (generic_type . (type_identifier) @name @reference.type)
      (scoped_type_identifier (type_identifier) @name @reference.type .)
      (generic_type . (scoped_type_identifier (type_identifier) @name @reference.type .))
    ])
  ]
  (#not-eq? @name "var")
)

(marker_annotation name: (identifier) @name) @reference.type
(annotation name: (identifier) @name) @reference.type
