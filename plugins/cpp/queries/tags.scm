; Origin: tree-sitter-cpp 0.23.4, queries/tags.scm (upstream patterns first, each change marked),
; then extensions for a code index. Kinds follow the appliance's vocabulary: class, struct, enum,
; namespace, function (a method when its container is a class or struct), method, constructor,
; type, macro, field, variable, constant.
;
; Where two patterns could tag the same name, the earlier one in this file wins (for the same
; matched node, tree-sitter reports matches in pattern order and the extractor keeps the first).

; --- Upstream, adjusted ---

; Upstream: @definition.class. A struct is a struct.
(struct_specifier name: (type_identifier) @name body:(_)) @definition.struct

; Upstream matched `(declaration type: (union_specifier ...))`: every `union U u;` use became a
; definition and `union U {...};` was missed. No `union` kind exists; a union is a record type.
(union_specifier name: (type_identifier) @name body: (_)) @definition.struct

; Upstream: `(function_declarator declarator: (identifier) @name) @definition.function` and the same
; with `field_identifier`. The whole function (or prototype) is the definition node instead, so the
; body's calls have it as their container; pointer and reference return types, operators and
; destructors are included. Inside a class or struct the container rule makes these methods.
; A declaration without a return type is a constructor (below) or a macro call (TEST(...) {...}).
(function_definition
  type: (_)
  declarator: [
    (function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)
    (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name)))
    (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
  ]) @definition.function

(function_definition
  declarator: (function_declarator declarator: (destructor_name) @name)) @definition.function

; Prototypes, only where a declaration is not a statement: the file, namespace and `extern "C"`
; bodies (declaration_list), class bodies, templates, #if blocks. In a function body,
; `std::lock_guard<std::mutex> lock(mutex_);` parses as a function declaration (C++'s most vexing
; parse); it is a local variable. Queries cannot say "not inside a function body", so the places
; are listed (an #if block inside a function body still counts, a rare combination).

(translation_unit
  (declaration
    type: (_)
    declarator: [
      (function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)
      (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
      (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name)))
      (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
    ]) @definition.function)

(declaration_list
  (declaration
    type: (_)
    declarator: [
      (function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)
      (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
      (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name)))
      (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
    ]) @definition.function)

(field_declaration_list
  (declaration
    type: (_)
    declarator: [
      (function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)
      (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
      (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name)))
      (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
    ]) @definition.function)

(template_declaration
  (declaration
    type: (_)
    declarator: [
      (function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)
      (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
      (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name)))
      (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
    ]) @definition.function)

(preproc_if
  (declaration
    type: (_)
    declarator: [
      (function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)
      (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
      (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name)))
      (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
    ]) @definition.function)

(preproc_ifdef
  (declaration
    type: (_)
    declarator: [
      (function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)
      (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
      (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name)))
      (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
    ]) @definition.function)

(preproc_else
  (declaration
    type: (_)
    declarator: [
      (function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)
      (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
      (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name)))
      (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
    ]) @definition.function)

(preproc_elif
  (declaration
    type: (_)
    declarator: [
      (function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)
      (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
      (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name)))
      (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
    ]) @definition.function)

; Destructors declared in a class body (no return type).
(field_declaration_list
  (declaration
    declarator: (function_declarator declarator: (destructor_name) @name)) @definition.function)

(field_declaration
  declarator: [
    (function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)
    (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name)))
    (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (operator_name)] @name))
  ]) @definition.function

; Upstream: `(function_declarator declarator: (qualified_identifier scope: (namespace_identifier)
; @local.scope name: (identifier) @name)) @definition.method`. Out-of-class member definitions
; (`void Server::start() {}`): the whole function is the node, `Server::Server` is a constructor,
; `Server::~Server` and `Server::operator==` are methods, and `a::b::f` is a method too.
(function_definition
  declarator: (function_declarator
    declarator: (qualified_identifier
      scope: (namespace_identifier) @_scope
      name: (identifier) @name))
  (#eq? @_scope @name)) @definition.constructor

(function_definition
  declarator: (function_declarator
    declarator: (qualified_identifier
      scope: (template_type name: (type_identifier) @_scope)
      name: (identifier) @name))
  (#eq? @_scope @name)) @definition.constructor

(function_definition
  declarator: [
    (function_declarator declarator: (qualified_identifier
      name: [(identifier) (destructor_name) (operator_name)] @name))
    (function_declarator declarator: (qualified_identifier
      name: (qualified_identifier name: [(identifier) (destructor_name) (operator_name)] @name)))
    (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier
      name: [(identifier) (operator_name)] @name)))
    (reference_declarator (function_declarator declarator: (qualified_identifier
      name: [(identifier) (operator_name)] @name)))
  ]) @definition.method

; Upstream, plus typedefs of pointers, arrays and function pointers.
(type_definition
  declarator: [
    (type_identifier) @name
    (pointer_declarator declarator: (type_identifier) @name)
    (array_declarator declarator: (type_identifier) @name)
    (function_declarator declarator: (type_identifier) @name)
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))
  ]) @definition.type

; Upstream: `(enum_specifier name: (type_identifier) @name) @definition.type`, which also tags every
; `enum Color c;` use. Only an enum (or enum class) with a body defines it, and it is an enum.
(enum_specifier name: (type_identifier) @name body: (_)) @definition.enum

; Upstream, without a body: `class Fwd;` is a forward declaration, not the definition. Explicit
; specializations (`class Box<int> {...}`) define the template's name.
(class_specifier name: (type_identifier) @name body: (_)) @definition.class
(class_specifier name: (template_type name: (type_identifier) @name) body: (_)) @definition.class
(struct_specifier name: (template_type name: (type_identifier) @name) body: (_)) @definition.struct

; --- Extensions ---

; Constructors declared or defined in the class body: a function without a return type.
(field_declaration_list
  [
    (declaration !type declarator: (function_declarator declarator: (identifier) @name))
    (function_definition !type declarator: (function_declarator declarator: (identifier) @name))
    (template_declaration
      [
        (declaration !type declarator: (function_declarator declarator: (identifier) @name))
        (function_definition !type declarator: (function_declarator declarator: (identifier) @name))
      ])
  ] @definition.constructor)

(namespace_definition
  name: [(namespace_identifier) (nested_namespace_specifier)] @name) @definition.namespace

(alias_declaration name: (type_identifier) @name) @definition.type
(concept_definition name: (identifier) @name) @definition.type

; Object-like and function-like macros.
(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro

; Enumerators.
(enumerator name: (identifier) @name) @definition.constant

; Data members (the declarator is the node: `int a, b;` gives siblings, not `b` inside `a`).
(field_declaration
  declarator: [
    (field_identifier) @name
    (pointer_declarator declarator: (field_identifier) @name)
    (pointer_declarator declarator: (pointer_declarator declarator: (field_identifier) @name))
    (reference_declarator (field_identifier) @name)
    (array_declarator declarator: (field_identifier) @name)
    (pointer_declarator declarator: (array_declarator declarator: (field_identifier) @name))
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (field_identifier) @name)))
  ] @definition.field)

; Variables at namespace scope: in the file, in a namespace or `extern "C"` body (both are a
; declaration_list; function bodies are not), or in a file-scope #if/#ifdef or its #else/#elif.
; Locals are not definitions. Queries cannot say "not inside a function body", so the places are
; listed, each with the same declarator shapes.
(translation_unit
  (declaration
    declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
      (reference_declarator (identifier) @name)
      (array_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
      (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
      (parenthesized_declarator (identifier) @name)
      (init_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
        (reference_declarator (identifier) @name)
        (array_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
        (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
      ])
    ] @definition.variable))

(declaration_list
  (declaration
    declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
      (reference_declarator (identifier) @name)
      (array_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
      (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
      (parenthesized_declarator (identifier) @name)
      (init_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
        (reference_declarator (identifier) @name)
        (array_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
        (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
      ])
    ] @definition.variable))

(translation_unit
  (preproc_if
    (declaration
      declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
        (reference_declarator (identifier) @name)
        (array_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
        (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
        (parenthesized_declarator (identifier) @name)
        (init_declarator declarator: [
          (identifier) @name
          (pointer_declarator declarator: (identifier) @name)
          (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
          (reference_declarator (identifier) @name)
          (array_declarator declarator: (identifier) @name)
          (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
          (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
        ])
      ] @definition.variable)))

(translation_unit
  (preproc_ifdef
    (declaration
      declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
        (reference_declarator (identifier) @name)
        (array_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
        (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
        (parenthesized_declarator (identifier) @name)
        (init_declarator declarator: [
          (identifier) @name
          (pointer_declarator declarator: (identifier) @name)
          (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
          (reference_declarator (identifier) @name)
          (array_declarator declarator: (identifier) @name)
          (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
          (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
        ])
      ] @definition.variable)))

(translation_unit
  (_
    alternative: (_
      (declaration
        declarator: [
          (identifier) @name
          (pointer_declarator declarator: (identifier) @name)
          (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
          (reference_declarator (identifier) @name)
          (array_declarator declarator: (identifier) @name)
          (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
          (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
          (parenthesized_declarator (identifier) @name)
          (init_declarator declarator: [
            (identifier) @name
            (pointer_declarator declarator: (identifier) @name)
            (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
            (reference_declarator (identifier) @name)
            (array_declarator declarator: (identifier) @name)
            (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
            (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
          ])
        ] @definition.variable))))

; --- References ---

; Calls: plain, qualified (`std::sort`), templated (`make_unique<T>`), through a member, and
; function-like macros (parsed as calls). `TEST(Suite, Name) {...}` parses as a function without a
; return type: that is a macro call, not a definition.
(call_expression
  function: [
    (identifier) @name
    (qualified_identifier name: (identifier) @name)
    (qualified_identifier name: (qualified_identifier name: (identifier) @name))
    (template_function name: (identifier) @name)
    (qualified_identifier name: (template_function name: (identifier) @name))
    (field_expression field: (field_identifier) @name)
    (field_expression field: (template_method name: (field_identifier) @name))
  ]) @reference.call

(translation_unit
  (function_definition !type declarator: (function_declarator declarator: (identifier) @name)) @reference.call)
(declaration_list
  (function_definition !type declarator: (function_declarator declarator: (identifier) @name)) @reference.call)

; Instantiation with `new` (before the type uses below, which would also match it).
(new_expression type: [
  (type_identifier) @name
  (qualified_identifier name: (type_identifier) @name)
  (template_type name: (type_identifier) @name)
]) @reference.class

; Type uses: elaborated `struct S`/`union U`/`enum E`/`class C` without a body (a body is the
; definition), any declaration, parameter, field, cast or template argument naming a type, the
; last part of a qualified type (`net::Server`), a template's name (`std::vector`), base classes.
(struct_specifier name: (type_identifier) @name !body) @reference.type
(union_specifier name: (type_identifier) @name !body) @reference.type
(enum_specifier name: (type_identifier) @name !body) @reference.type
(class_specifier name: (type_identifier) @name !body) @reference.type
(_ type: (type_identifier) @name @reference.type)
(qualified_identifier name: (type_identifier) @name) @reference.type
(template_type name: (type_identifier) @name) @reference.type
(base_class_clause (type_identifier) @name) @reference.type
