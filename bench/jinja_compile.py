"""What compiling a template's Jinja2 costs a new post, and what batching would save
(not a test: it prints figures).

    .venv/bin/python bench/jinja_compile.py [--template weekend-guide] [--rounds 6]

A new post compiles each template string of ``template.yaml`` that is not a plain lookup
(``jinja.Evaluator``) and each channel text (``texts/*.j2``). This renders the sample once,
recording the strings compiled, then times, on this thread (``time.thread_time``, best
and median of ``--rounds``, each round repeating the work 10 times):

- the strings compiled one by one, as the renderer does, and split into Jinja2's
  phases (parse, code generation, Python's ``compile``);
- the same strings compiled as ONE Jinja2 template, each string a block (an expression
  through a call that captures its value): one code generation and one ``compile`` for
  the template, what batching per template would cost;
- the channel texts one by one, and the plain ones batched the same way.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import jinja2
from jinja2 import nodes
from jinja2.parser import Parser

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from outreach.render import jinja, render_post  # noqa: E402


def recorded_strings(template: str) -> list[tuple[str, str]]:
    """("e", expression) or ("t", template string) for each string a new post compiles."""
    seen: list[tuple[str, str]] = []
    from_string, compile_expression = (jinja2.Environment.from_string,
                                       jinja2.Environment.compile_expression)

    def record_template(self, source, *args, **kwargs):
        if isinstance(source, str) and self is jinja.expression_env():
            seen.append(("t", source))
        return from_string(self, source, *args, **kwargs)

    def record_expression(self, source, *args, **kwargs):
        seen.append(("e", source))
        return compile_expression(self, source, *args, **kwargs)

    jinja2.Environment.from_string = record_template             # this bench process only
    jinja2.Environment.compile_expression = record_expression
    try:
        with jinja._COMPILED_LOCK:
            jinja._COMPILED.clear()
        with tempfile.TemporaryDirectory() as tmp:
            render_post(REPO / "templates" / "cards", template, out_dir=Path(tmp) / "post",
                        image_format="jpeg", workspace=REPO)
    finally:
        jinja2.Environment.from_string = from_string
        jinja2.Environment.compile_expression = compile_expression
    return seen


def one_by_one(env, strings) -> None:
    for kind, source in strings:
        if kind == "e":
            env.compile_expression(source, undefined_to_none=False)
        else:
            env.from_string(source)


def batched(env, strings) -> None:
    blocks = []
    for i, (kind, source) in enumerate(strings):
        if kind == "e":
            expr = Parser(env, source, state="variable").parse_expression()
            body = [nodes.ExprStmt(nodes.Call(nodes.Name("_capture", "load"), [expr], [],
                                              None, None))]
        else:
            body = env.parse(source).body
        blocks.append(nodes.Block(f"s{i}", body, False, False))
    env.from_string(nodes.Template(blocks))


def parse_only(env, strings) -> None:
    for kind, source in strings:
        if kind == "e":
            Parser(env, source, state="variable").parse_expression()
        else:
            env.parse(source)


def parse_generate(env, strings) -> None:
    for kind, source in strings:
        if kind == "t":
            env._generate(env.parse(source), None, None)


def parse_generate_compile(env, strings) -> None:
    for kind, source in strings:
        if kind == "t":
            env._compile(env._generate(env.parse(source), None, None), "<template>")


def timed(fn, rounds: int) -> str:
    times = []
    for _ in range(rounds):
        start = time.thread_time()
        for _ in range(10):
            fn()
        times.append((time.thread_time() - start) * 100)     # ms per repetition
    return f"{min(times):6.2f} ms (median {statistics.median(times):6.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default="weekend-guide")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    strings = recorded_strings(args.template)
    folder = REPO / "templates" / "cards" / args.template / "texts"
    texts = [("t", path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.j2"))]
    plain = [("t", path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.j2"))
             if path.stem != "blog"]
    env = jinja.make_env()
    t_only = [s for s in strings if s[0] == "t"]
    print(f"{args.template}: {len(strings)} strings compiled by a new post "
          f"({len(t_only)} templates, {len(strings) - len(t_only)} expressions), "
          f"{len(texts)} channel texts; thread CPU, best of {args.rounds}:")
    rows = [
        ("strings, one by one", lambda: one_by_one(env, strings)),
        ("strings, one template", lambda: batched(env, strings)),
        ("  their parse only", lambda: parse_only(env, strings)),
        ("  templates: parse + codegen", lambda: parse_generate(env, t_only)),
        ("  templates: + compile()", lambda: parse_generate_compile(env, t_only)),
        ("texts, one by one", lambda: one_by_one(env, texts)),
        ("  their parse only", lambda: parse_only(env, texts)),
        ("  parse + codegen", lambda: parse_generate(env, texts)),
        ("  + compile()", lambda: parse_generate_compile(env, texts)),
        ("plain texts, one by one", lambda: one_by_one(env, plain)),
        ("plain texts, one template", lambda: batched(env, plain)),
    ]
    for label, fn in rows:
        print(f"  {label:<30}{timed(fn, args.rounds)}")


if __name__ == "__main__":
    main()
