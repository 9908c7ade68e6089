; Upstream tree-sitter-python queries/tags.scm, plus decorated and typed module variables.
(module (expression_statement (assignment left: (identifier) @name) @definition.constant))

(class_definition
  name: (identifier) @name) @definition.class

(function_definition
  name: (identifier) @name) @definition.function

(call
  function: [
      (identifier) @name
      (attribute
        attribute: (identifier) @name)
  ]) @reference.call

; Extension: base classes are type references.
(class_definition
  superclasses: (argument_list (identifier) @name @reference.type))
