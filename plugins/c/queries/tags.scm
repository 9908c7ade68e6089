; Origin: tree-sitter-c 0.24.2, queries/tags.scm (upstream patterns first, each change marked),
; then extensions for a code index. Kinds follow the appliance's vocabulary: struct, enum, type,
; macro, function, variable, field, constant.
;
; Definitions are matched only in their own syntactic places (a struct with a body, a declarator
; of a function or of a file-scope declaration), never by capturing every identifier: the query
; runs over whole kernels.

; --- Upstream, adjusted ---

; Upstream: @definition.class. A C struct is a struct.
(struct_specifier name: (type_identifier) @name body:(_)) @definition.struct

; Upstream matched `(declaration type: (union_specifier ...))`, which tags every `union u x;` use as
; a definition and misses `union u {...};`. A union with a body is the definition; no `union`
; kind exists, and a union is a record type like a struct.
(union_specifier name: (type_identifier) @name body: (_)) @definition.struct

; Upstream: `(function_declarator declarator: (identifier) @name) @definition.function`. That
; makes the declarator, not the function, the definition: the body's calls would have no
; container. Split into definitions (whole function) and prototypes (whole declaration), each
; also behind one or two `*` of a pointer return type.
(function_definition
  declarator: [
    (function_declarator declarator: (identifier) @name)
    (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name)))
  ]) @definition.function

; A prototype's type is never a struct, union or enum with a body: with one, the "prototype" is an
; annotation macro the grammar mistook for a declarator (`struct s {...} __aligned(8);`). Listing
; the other types keeps this pattern free of predicates (it matches every prototype of a header).
(declaration
  type: [
    (primitive_type) (type_identifier) (sized_type_specifier) (macro_type_specifier)
    (struct_specifier !body) (union_specifier !body) (enum_specifier !body)
  ]
  declarator: [
    (function_declarator declarator: (identifier) @name)
    (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name)))
  ]) @definition.function

; Upstream, plus typedefs of pointers, arrays and function pointers.
(type_definition
  declarator: [
    (type_identifier) @name
    (pointer_declarator declarator: (type_identifier) @name)
    (pointer_declarator declarator: (pointer_declarator declarator: (type_identifier) @name))
    (array_declarator declarator: (type_identifier) @name)
    (function_declarator declarator: (type_identifier) @name)
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))
  ]) @definition.type

; Upstream: `(enum_specifier name: (type_identifier) @name) @definition.type`, which also tags
; every `enum color c;` use. Only an enum with a body defines it, and it is an enum.
(enum_specifier name: (type_identifier) @name body: (_)) @definition.enum

; --- Extensions ---

; Object-like and function-like macros.
(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro

; Enumerators.
(enumerator name: (identifier) @name) @definition.constant

; Struct and union members, including function-pointer members of ops tables. The declarator is
; the definition node, so `int a, b;` gives two siblings rather than `b` nested in `a`.
(field_declaration
  declarator: [
    (field_identifier) @name
    (pointer_declarator declarator: (field_identifier) @name)
    (pointer_declarator declarator: (pointer_declarator declarator: (field_identifier) @name))
    (array_declarator declarator: (field_identifier) @name)
    (pointer_declarator declarator: (array_declarator declarator: (field_identifier) @name))
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (field_identifier) @name)))
  ] @definition.field)

; Kernel-style annotation macros confuse the grammar, which takes the trailing one for the name:
; `struct s {...} __packed;`, `static int count __read_mostly;`.
; Such names (listed below) are not definitions; when the real name precedes the macro, it ends
; up in an ERROR node, and the last pattern of this section recovers it.
; File-scope variables: declarations directly in the file, or in a file-scope #if/#ifdef or its
; #else/#elif. Declarations in function bodies are locals, not definitions. The declarator is the
; definition node (see fields). Queries cannot say "not inside a function body", so the places are
; listed, each with the same declarator shapes: an #if nested two deep at file scope is missed.
; `static DEFINE_MUTEX(lock);` parses as a parenthesized declarator and defines `lock`.
(translation_unit
  (declaration
    declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
      (array_declarator declarator: (identifier) @name)
      (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
      (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
      (parenthesized_declarator (identifier) @name)
      (init_declarator declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
        (array_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
        (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
      ])
    ] @definition.variable)
  (#not-match? @name "^(__read_mostly|__ro_after_init|__init|__initdata|__initconst|__exit|__exitdata|__refdata|__maybe_unused|__always_unused|__used|__weak|__packed|__aligned|__randomize_layout|_?_?__cacheline_aligned|_?_?__cacheline_aligned_in_smp|__section|__percpu|__must_check|__iomem|__user|__rcu)$"))

(translation_unit
  (preproc_if
    (declaration
      declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
        (array_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
        (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
        (parenthesized_declarator (identifier) @name)
        (init_declarator declarator: [
          (identifier) @name
          (pointer_declarator declarator: (identifier) @name)
          (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
          (array_declarator declarator: (identifier) @name)
          (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
          (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
        ])
      ] @definition.variable))
  (#not-match? @name "^(__read_mostly|__ro_after_init|__init|__initdata|__initconst|__exit|__exitdata|__refdata|__maybe_unused|__always_unused|__used|__weak|__packed|__aligned|__randomize_layout|_?_?__cacheline_aligned|_?_?__cacheline_aligned_in_smp|__section|__percpu|__must_check|__iomem|__user|__rcu)$"))

(translation_unit
  (preproc_ifdef
    (declaration
      declarator: [
        (identifier) @name
        (pointer_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
        (array_declarator declarator: (identifier) @name)
        (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
        (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
        (parenthesized_declarator (identifier) @name)
        (init_declarator declarator: [
          (identifier) @name
          (pointer_declarator declarator: (identifier) @name)
          (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
          (array_declarator declarator: (identifier) @name)
          (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
          (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
        ])
      ] @definition.variable))
  (#not-match? @name "^(__read_mostly|__ro_after_init|__init|__initdata|__initconst|__exit|__exitdata|__refdata|__maybe_unused|__always_unused|__used|__weak|__packed|__aligned|__randomize_layout|_?_?__cacheline_aligned|_?_?__cacheline_aligned_in_smp|__section|__percpu|__must_check|__iomem|__user|__rcu)$"))

(translation_unit
  (_
    alternative: (_
      (declaration
        declarator: [
          (identifier) @name
          (pointer_declarator declarator: (identifier) @name)
          (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
          (array_declarator declarator: (identifier) @name)
          (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
          (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
          (parenthesized_declarator (identifier) @name)
          (init_declarator declarator: [
            (identifier) @name
            (pointer_declarator declarator: (identifier) @name)
            (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @name))
            (array_declarator declarator: (identifier) @name)
            (pointer_declarator declarator: (array_declarator declarator: (identifier) @name))
            (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @name)))
          ])
        ] @definition.variable)))
  (#not-match? @name "^(__read_mostly|__ro_after_init|__init|__initdata|__initconst|__exit|__exitdata|__refdata|__maybe_unused|__always_unused|__used|__weak|__packed|__aligned|__randomize_layout|_?_?__cacheline_aligned|_?_?__cacheline_aligned_in_smp|__section|__percpu|__must_check|__iomem|__user|__rcu)$"))

(translation_unit
  (declaration
    (ERROR (identifier) @name .)
    declarator: [
      (identifier) @_attribute
      (init_declarator declarator: (identifier) @_attribute)
    ]) @definition.variable
  (#match? @_attribute "^(__read_mostly|__ro_after_init|__init|__initdata|__initconst|__exit|__exitdata|__refdata|__maybe_unused|__always_unused|__used|__weak|__packed|__aligned|__randomize_layout|_?_?__cacheline_aligned|_?_?__cacheline_aligned_in_smp|__section|__percpu|__must_check|__iomem|__user|__rcu)$"))

; --- References ---

; Calls, including function-like macro invocations (the grammar parses them as calls) and calls
; through a struct member (`ops->open(...)`).
(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call

; Type uses: `struct foo *p`, `sizeof(union u)`, `enum color c` (no body: a body is the definition),
; and typedef names wherever a declaration, parameter, field, cast or typedef names its type.
(struct_specifier name: (type_identifier) @name !body) @reference.type
(union_specifier name: (type_identifier) @name !body) @reference.type
(enum_specifier name: (type_identifier) @name !body) @reference.type
(_ type: (type_identifier) @name @reference.type)
