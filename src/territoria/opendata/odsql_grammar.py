"""ODSQL's grammar, for Lark's LALR parser (`odsql.py` builds the parsers and the AST).

The rules read Opendatasoft's documented syntax: conditions (`where`), the `select`,
`group_by` and `order_by` lists (`-field` sorts descending), `facet(…)` specifications, and
the literals (strings, numbers, `date'…'`, `geom'…'`, booleans, null), named arguments
(`now(days=-7)`), quantities (`10km`, `1 month`) and field patterns (`include(pop*)`).
"""

GRAMMAR = r"""
?where: bool_expr

?bool_expr: bool_term
          | bool_expr _OR bool_term -> or_
?bool_term: bool_factor
          | bool_term _AND bool_factor -> and_
?bool_factor: _NOT bool_factor -> not_
            | predicate
?predicate: value COMPARISON value -> compare
          | value _IN "(" value ("," value)* ")" -> in_
          | value _NOT _IN "(" value ("," value)* ")" -> not_in
          | value _IS _NULL -> is_null
          | value _IS _NOT _NULL -> is_not_null
          | value _LIKE value -> like
          | value _NOT _LIKE value -> not_like
          | value ":" value -> colon
          | value -> truthy

?value: literal
      | call
      | field
      | "(" bool_expr ")"

call: NAME "(" [arguments] ")"
arguments: argument ("," argument)*
?argument: value | star | distinct | named | quantity | pattern
distinct: _DISTINCT value
star: "*"
named: NAME COMPARISON value
quantity: NUMBER NAME
pattern: (NAME | BACKQUOTED) "*"

field: NAME | BACKQUOTED
?literal: STRING -> string
        | NUMBER -> number
        | _DATE STRING -> date
        | _GEOM STRING -> geom
        | _TRUE -> true
        | _FALSE -> false
        | _NULL -> null

select_list: select_item ("," select_item)*
select_item: (value | star) [_AS NAME]
order_list: order_item ("," order_item)*
order_item: [NEGATE] value [DIRECTION]

facet_spec: NAME "(" [facet_arg ("," facet_arg)*] ")"
facet_arg: NAME COMPARISON facet_value
?facet_value: STRING -> string
            | NUMBER -> number
            | _TRUE -> true
            | _FALSE -> false

COMPARISON: "=" | "!=" | "<>" | "<=" | ">=" | "<" | ">"
DIRECTION.2: /(?i:asc|desc)\b/
_OR.2: /(?i:or)\b/
_AND.2: /(?i:and)\b/
_NOT.2: /(?i:not)\b/
_IN.2: /(?i:in)\b/
_IS.2: /(?i:is)\b/
_LIKE.2: /(?i:like)\b/
_NULL.2: /(?i:null)\b/
_TRUE.2: /(?i:true)\b/
_FALSE.2: /(?i:false)\b/
_AS.2: /(?i:as)\b/
_DISTINCT.2: /(?i:distinct)\b/
_DATE.3: /(?i:date)(?=['"])/
_GEOM.3: /(?i:geom)(?=['"])/
NEGATE: "-"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
BACKQUOTED: /`[^`\n]+`/
STRING: /"(?:[^"\\\n]|\\.)*"/ | /'(?:[^'\\\n]|\\.)*'/
NUMBER: /[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?/

%import common.WS
%ignore WS
"""
