"""A recursive-descent parser for the layer-list language, whose grammar is ``GRAMMAR`` (the
documentation's page on the language shows it from here; the vocabulary is ``layers.LAYERS``).

Options are checked while parsing, so a misspelt option is reported at its token, with what
was expected. ``repeat`` is expanded here; the builder never sees it.
"""

from __future__ import annotations

import copy
import re

from cnnarch.dsl.errors import DslSyntaxError
from cnnarch.dsl.layers import BLOCKS, LayerDef, Option, convert, keywords, lookup
from cnnarch.dsl.lexer import Token, tokenize
from cnnarch.dsl.nodes import ConcatNode, LayerNode, Node, Program, ResidualNode

_COMPACT = re.compile(r"^([a-z_]+?)(\d+(?:[x×]\d+)*)$", re.IGNORECASE)
MAX_REPEAT = 1000
MAX_NESTING = 50
MAX_LAYERS = 10_000
LAYER_EXPECTED = "a layer (conv, maxpool, relu, fc, ...) or a block (residual, concat, repeat)"

GRAMMAR = """\
program  = [ "input" SIZE sep ] sequence
sequence = item { sep item }
sep      = ">" | line break              (several line breaks count as one; ">" at a line's end
                                          or start also joins two lines; ";" is a line break)
item     = layer
         | "residual" "(" sequence [ "|" sequence ] ")"     body | shortcut (default: identity)
         | "concat" "(" sequence { "|" sequence } ")"       branches on the same input
         | "repeat" COUNT "(" sequence ")"                  the sequence COUNT times, in place
layer    = KEYWORD [ value ] { option }
option   = WORD | WORD "=" value | key+value                ceil, nobias | k=3, p=same | k3, s2, k1x7
value    = NUMBER | SIZE | WORD                             64, 0.5, 1e-4 | 3x3 | same, bilinear
"""
"""The language in EBNF, written once: ``_Parser`` below follows it rule by rule."""


def parse(source: str, origin: str | None = None) -> Program:
    """Parse a layer list; raises ``DslSyntaxError`` pointing at the first offending token."""
    return _Parser(source, origin).program()


def _suggest(word: str, candidates: list[str]) -> str:
    import difflib  # deferred: only a misspelt word needs it (~2 ms of every `cnnarch calc`)

    close = difflib.get_close_matches(word.lower(), candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _size(nodes: list[Node]) -> int:
    """Layers in ``nodes``, blocks' contents included."""
    total = 0
    for node in nodes:
        if isinstance(node, ResidualNode):
            total += 1 + _size(node.body) + _size(node.shortcut or [])
        elif isinstance(node, ConcatNode):
            total += 1 + sum(_size(b) for b in node.branches)
        else:
            total += 1
    return total


class _Parser:
    def __init__(self, source: str, origin: str | None) -> None:
        self.source = source
        self.origin = origin
        self.tokens = tokenize(source, origin)
        self.pos = 0
        self.depth = 0

    # -- helpers ---------------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def error(self, token: Token, problem: str) -> DslSyntaxError:
        return DslSyntaxError(problem, self.source, token.line, token.column, len(token.text), self.origin)

    def expect(self, kind: str, what: str) -> Token:
        token = self.peek()
        if token.kind != kind:
            raise self.error(token, f"expected {what}, found {token.describe()}")
        return self.take()

    def skip_newlines(self) -> None:
        while self.peek().kind == "newline":
            self.take()

    # -- grammar ---------------------------------------------------------------------------
    def program(self) -> Program:
        self.skip_newlines()
        shape = None
        first = self.peek()
        if first.kind == "word" and first.text.lower() == "input":
            shape = self.input_line()
            self.separator()  # a line break or '>' after the input size
        body = self.sequence(("end",))
        self.expect("end", "'>' and another layer, or the end of the text")
        return Program(self.source, body, shape, self.origin)

    def input_line(self) -> tuple[int, ...]:
        self.take()
        token = self.peek()
        if (
            token.kind not in ("size", "number")
            or not token.text.replace("×", "x").replace("X", "x").replace("x", "").isdigit()
        ):
            raise self.error(
                token,
                f"expected the input size CxHxW (e.g. 3x227x227) or a feature count, "
                f"found {token.describe()}",
            )
        self.take()
        dims = tuple(int(p) for p in re.split(r"[xX×]", token.text))
        if len(dims) not in (1, 3) or min(dims) < 1:
            raise self.error(
                token,
                "expected the input size as CxHxW (e.g. 3x227x227) or a feature count "
                "(e.g. 9216), every number >= 1",
            )
        after = self.peek()
        if after.kind not in ("newline", "arrow", "end"):
            raise self.error(
                after, f"expected a line break or '>' after the input size, found {after.describe()}"
            )
        return dims

    def separator(self) -> Token | None:
        """Consume line breaks and at most one '>'; returns the '>' token if there was one."""
        arrow = None
        while self.peek().kind in ("newline", "arrow"):
            token = self.take()
            if token.kind == "arrow":
                if arrow is not None:
                    raise self.error(token, "two '>' in a row: expected a layer between them")
                arrow = token
        return arrow

    def sequence(self, closers: tuple[str, ...]) -> list[Node]:
        self.skip_newlines()
        items = self.item()
        while True:
            before = self.pos
            arrow = self.separator()
            following = self.peek()
            if following.kind in closers:
                if arrow is not None:
                    raise self.error(
                        following, f"expected {LAYER_EXPECTED} after '>', found {following.describe()}"
                    )
                return items
            if self.pos == before:  # no separator: something that cannot follow a layer
                if following.kind in ("bar", "rparen"):
                    raise self.error(
                        following,
                        f"unexpected {following.describe()}: it only closes or "
                        "separates the branches of residual( ... ) or concat( ... )",
                    )
                raise self.error(following, f"expected '>' or a line break, found {following.describe()}")
            items += self.item()

    def item(self) -> list[Node]:
        token = self.peek()
        if token.kind != "word":
            raise self.error(token, f"expected {LAYER_EXPECTED}, found {token.describe()}")
        word = token.text.lower()
        if word in BLOCKS:
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise self.error(token, f"blocks nested more than {MAX_NESTING} deep")
            try:
                return self.block(BLOCKS[word])
            finally:
                self.depth -= 1
        definition = lookup(word)
        if definition is None:
            if word == "input":
                raise self.error(token, "'input CxHxW' may only be the first line")
            glued = _COMPACT.match(word)
            split = lookup(glued.group(1)) if glued else None
            if glued and split is not None and split.positional is not None:
                hint = f" (did you mean '{glued.group(1)} {glued.group(2)}'?)"  # fc10 → fc 10
            else:
                hint = _suggest(word, keywords())
            raise self.error(token, f"unknown layer {token.text!r}{hint}: expected {LAYER_EXPECTED}")
        return [self.layer(definition)]

    def block(self, kind: str) -> list[Node]:
        token = self.take()
        if kind == "repeat":
            count = self.peek()
            if count.kind != "number" or not count.text.isdigit() or not 1 <= int(count.text) <= MAX_REPEAT:
                raise self.error(
                    count,
                    f"expected how many times to repeat (1 to {MAX_REPEAT}), e.g. "
                    f"repeat 3 ( ... ), found {count.describe()}",
                )
            self.take()
            body = self.branches(token, single=True)[0]
            if int(count.text) * _size(body) > MAX_LAYERS:
                raise self.error(token, f"repeat makes more than {MAX_LAYERS:,} layers")
            return [copy.deepcopy(node) for _ in range(int(count.text)) for node in body]
        if kind == "residual":
            parts = self.branches(token)
            if len(parts) > 2:
                raise self.error(
                    token, f"residual( body | shortcut ) takes one or two parts, found {len(parts)}"
                )
            return [ResidualNode(token, parts[0], parts[1] if len(parts) == 2 else None)]
        return [ConcatNode(token, self.branches(token))]

    def branches(self, block: Token, single: bool = False) -> list[list[Node]]:
        self.expect("lparen", f"'(' after {block.text!r}")
        parts = [self.sequence(("bar", "rparen", "end"))]
        while self.peek().kind == "bar":
            bar = self.take()
            if single:
                raise self.error(bar, "repeat N ( ... ) takes one sequence, without '|'")
            parts.append(self.sequence(("bar", "rparen", "end")))
        self.expect("rparen", f"'|' or ')' to close {block.text!r}")
        return parts

    def layer(self, definition: LayerDef) -> LayerNode:
        token = self.take()
        values: dict[str, object] = {}
        tokens: dict[str, Token] = {}

        def put(name: str, value: object, at: Token) -> None:
            if name in tokens:
                raise self.error(at, f"{name} is given twice for {definition.keyword}")
            values[name] = value
            tokens[name] = at

        while self.peek().kind in ("word", "number", "size"):
            arg = self.take()
            if arg.kind in ("number", "size"):
                option = definition.positional
                if option is None:
                    raise self.error(
                        arg, f"{definition.keyword} takes no value here; {self.expected_options(definition)}"
                    )
                if option.name in tokens:
                    raise self.error(
                        arg,
                        f"{definition.keyword} takes one value ({option.help}), already given; "
                        f"{self.expected_options(definition)}",
                    )
                put(option.name, self.value(option, arg, definition), arg)
            elif self.peek().kind == "equals":
                self.take()
                option = definition.option(arg.text.lower())
                if option is None:
                    raise self.unknown_option(arg, definition)
                value = self.peek()
                if value.kind not in ("word", "number", "size"):
                    raise self.error(
                        value,
                        f"expected a value for {arg.text}=: {option.expected()}, found {value.describe()}",
                    )
                put(option.name, self.value(option, self.take(), definition), arg)
            elif arg.text.lower() in definition.flags:
                name, value = definition.flags[arg.text.lower()]
                put(name, value, arg)
            else:
                match = _COMPACT.match(arg.text)
                option = definition.option(match.group(1).lower()) if match else None
                if match is None or option is None or not option.compact:
                    raise self.unknown_option(arg, definition)
                number = match.group(2)
                kind = "size" if re.search(r"[x×]", number, re.IGNORECASE) else "number"
                put(
                    option.name,
                    self.value(option, Token(kind, number, arg.line, arg.column), definition, arg),
                    arg,
                )
        for option in definition.all_options():
            if option.name not in values:
                if option.required:
                    raise self.error(
                        token, f"{definition.keyword} needs {option.help}, {self.example(definition)}"
                    )
                values[option.name] = option.default
        return LayerNode(token, definition, values, tokens)

    def value(self, option: Option, token: Token, definition: LayerDef, shown: Token | None = None) -> object:
        try:
            return convert(option, token.text, token.kind)
        except ValueError as problem:
            at = shown or token
            raise self.error(
                at, f"{definition.keyword} {option.name}: expected {problem}, found {token.text!r}"
            ) from None

    def unknown_option(self, arg: Token, definition: LayerDef) -> DslSyntaxError:
        word = arg.text.lower()
        if lookup(word) is not None or word in BLOCKS:
            return self.error(arg, f"expected '>' before {arg.text!r} (a new layer starts there)")
        names = [n for o in definition.all_options() for n in (o.name, *o.aliases)] + list(definition.flags)
        hint = _suggest(word, names)
        return self.error(
            arg,
            f"unknown option {arg.text!r} for {definition.keyword}{hint}; "
            f"{self.expected_options(definition)}",
        )

    @staticmethod
    def expected_options(definition: LayerDef) -> str:
        parts = []
        for o in definition.options:
            if o.kind == "bool":
                parts.append(f"{o.name}=on|off")
            elif o.kind == "choice":
                parts.append(f"{o.name}={'|'.join(o.choices)}")
            else:
                parts.append(f"{o.name}N" if o.compact else f"{o.name}=N")
        parts += [f for f in definition.flags if definition.option(f) is None]
        if not parts:
            return f"expected '>' after {definition.keyword}: it takes no options"
        return "expected " + ", ".join(parts)

    @staticmethod
    def example(definition: LayerDef) -> str:
        """The first example in the layer's help: ``conv 96 k11 s4 p0``."""
        text = definition.help.partition(": ")[2].split(" (")[0].split(" or ")[0]
        return f"e.g. {text}" if text else definition.help
