; Origin: tree-sitter-c-sharp 0.23.5, queries/tags.scm (shipped in the wheel's
; tree_sitter_c-sharp/queries/), upstream patterns first, each change marked, then extensions for
; a code index. Kinds: namespace, class (records too), struct (record structs too), interface,
; enum, method, constructor, property, field, constant, type (delegates), function (local
; functions); references: call, class (instantiation, base types), implementation (interfaces an
; interface extends), type.
;
; Where two patterns could tag the same name, the earlier one in this file wins (for the same
; matched node, tree-sitter reports matches in pattern order and the extractor keeps the first).
; Reference captures sit on the name itself, so a reference spans its name, not the declaration.

; --- Upstream, adjusted ---

(class_declaration name: (identifier) @name) @definition.class

; Upstream: `(class_declaration (base_list (_) @name)) @reference.class`, which names a generic
; base `BaseRepo<T>` with its type arguments. The name inside a generic or qualified base instead.
(class_declaration (base_list [
    (identifier) @name @reference.class
    (generic_name (identifier) @name @reference.class)
    (qualified_name name: (identifier) @name @reference.class)
    (qualified_name name: (generic_name (identifier) @name @reference.class))
  ]))

(interface_declaration name: (identifier) @name) @definition.interface

; Upstream: `... @reference.interface`. The interfaces an interface extends are implementation
; references, as in the other bundled languages (Java's upstream query uses that kind).
(interface_declaration (base_list [
    (identifier) @name @reference.implementation
    (generic_name (identifier) @name @reference.implementation)
    (qualified_name name: (identifier) @name @reference.implementation)
    (qualified_name name: (generic_name (identifier) @name @reference.implementation))
  ]))

(method_declaration name: (identifier) @name) @definition.method

; Upstream, plus generic and qualified types (`new Widget<T>()`, `new IO.Buffer()`).
(object_creation_expression type: [
    (identifier) @name @reference.class
    (generic_name (identifier) @name @reference.class)
    (qualified_name name: (identifier) @name @reference.class)
    (qualified_name name: (generic_name (identifier) @name @reference.class))
  ])

; Upstream: `(type_parameter_constraints_clause (identifier) @name) @reference.class` tags the
; type parameter being constrained (`where T :`), not a type; dropped. Upstream's
; `(type_parameter_constraint (type type: (identifier) @name))` matches no tree of this grammar
; version: the constraint's type is a field of the constraint itself. Constraint types are
; type references, as below.
(type_parameter_constraint type: [
    (identifier) @name @reference.type
    (generic_name (identifier) @name @reference.type)
    (qualified_name name: (identifier) @name @reference.type)
    (qualified_name name: (generic_name (identifier) @name @reference.type))
  ])

; Upstream: `(variable_declaration type: (identifier) @name) @reference.class`. The type of a
; variable or field is a type use, tagged `reference.type` as in the other languages; the general
; pattern at the end covers it.

; Upstream: `... @reference.send`. A call is `reference.call` in every bundled language; plain and
; generic calls added.
(invocation_expression
  function: [
    (identifier) @name
    (generic_name (identifier) @name)
    (member_access_expression name: (identifier) @name)
    (member_access_expression name: (generic_name (identifier) @name))
  ]) @reference.call

; Upstream: @definition.module, and a second copy with a bare @module capture (no role, so
; nothing). A C# namespace is a namespace; dotted names and file-scoped namespaces added.
(namespace_declaration name: [(identifier) (qualified_name)] @name) @definition.namespace
(file_scoped_namespace_declaration name: [(identifier) (qualified_name)] @name) @definition.namespace

; --- Extensions ---

; `record struct` is a struct (this pattern first, so it wins over the next); other records are
; classes.
(record_declaration "struct" name: (identifier) @name) @definition.struct
(record_declaration name: (identifier) @name) @definition.class
(struct_declaration name: (identifier) @name) @definition.struct
(enum_declaration name: (identifier) @name) @definition.enum
(enum_member_declaration name: (identifier) @name) @definition.constant
(delegate_declaration name: (identifier) @name) @definition.type

(constructor_declaration name: (identifier) @name) @definition.constructor
(local_function_statement name: (identifier) @name) @definition.function

; Properties, and the positional parameters of a record (which declare properties).
(property_declaration name: (identifier) @name) @definition.property
(record_declaration
  (parameter_list (parameter name: (identifier) @name) @definition.property))

; Fields: `const` ones are constants (this pattern first, so it wins over the next); events are
; fields of a delegate type. The declarator is the node, so `int a, b;` gives siblings.
(field_declaration
  (modifier) @_modifier
  (variable_declaration (variable_declarator name: (identifier) @name) @definition.constant)
  (#eq? @_modifier "const"))

(field_declaration
  (variable_declaration (variable_declarator name: (identifier) @name) @definition.field))

(event_field_declaration
  (variable_declaration (variable_declarator name: (identifier) @name) @definition.field))

; Type uses, by place: anything's declared type (fields, locals, parameters, properties, casts,
; `typeof`, arrays, nullables), method return types, type arguments, struct and record bases.
; Definitions' own names are not among these places; `var` is its own node (implicit_type).
(_ type: [
    (identifier) @name @reference.type
    (generic_name (identifier) @name @reference.type)
    (qualified_name name: (identifier) @name @reference.type)
    (qualified_name name: (generic_name (identifier) @name @reference.type))
  ])
(_ returns: [
    (identifier) @name @reference.type
    (generic_name (identifier) @name @reference.type)
    (qualified_name name: (identifier) @name @reference.type)
    (qualified_name name: (generic_name (identifier) @name @reference.type))
  ])
(type_argument_list [
    (identifier) @name @reference.type
    (generic_name (identifier) @name @reference.type)
    (qualified_name name: (identifier) @name @reference.type)
    (qualified_name name: (generic_name (identifier) @name @reference.type))
  ])
([(struct_declaration) (record_declaration)] (base_list [
    (identifier) @name @reference.type
    (generic_name (identifier) @name @reference.type)
    (qualified_name name: (identifier) @name @reference.type)
    (qualified_name name: (generic_name (identifier) @name @reference.type))
  ]))
