#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""checkdoc.py - checks that the documentation says what the code does.

  checkdoc.py installed --include DIR --mandir DIR
      every function the headers in DIR declare has a page in the man3
      directory, and so has every header;
  checkdoc.py pyopenssl --include DIR --names FILE DOC
      every tlswire_* / TLSWIRE_* name DOC mentions exists in the headers in
      DIR, and every pyOpenSSL name listed in FILE appears in DOC as `name`
      or `name(`;
  checkdoc.py readme --readme README --example FILE
      the lines of FILE between its "the pump loop" markers appear in README
      verbatim, as one block indented by four spaces;
  checkdoc.py exports --include DIR --symbols FILE
      every name in FILE (one exported symbol per line) is a documented
      function of the headers in DIR;
  checkdoc.py render PAGE
      renders a man page with man -l, groff or mandoc (whichever exists; a
      structural check otherwise) and checks the result has its sections.

Exits 0 when the check holds, 1 (naming what is wrong) when it does not,
2 on a usage error.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkman  # noqa: E402

BEGIN = "/* --- the pump loop (the README's)"
END = "/* --- end of the pump loop"


def headers_in(include):
    paths = sorted(glob.glob(os.path.join(include, "*.h")))
    if not paths:
        raise SystemExit("checkdoc.py: no headers in %s" % include)
    return [mkman.parse_header(p) for p in paths], paths


def public_names(include):
    """Functions, macros, typedefs and enum constants the headers define."""
    headers, paths = headers_in(include)
    names = {d.name for h in headers for d in h.decls}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            src = f.read()
        names |= set(re.findall(r"#\s*define\s+(TLSWIRE_\w+)", src))
        names |= set(re.findall(r"\b(tlswire_\w+)\s*;", src))  # typedefs
        names |= set(re.findall(r"\(\*(tlswire_\w+)\)", src))  # callbacks
        names |= set(re.findall(r"struct\s+(tlswire_\w+)", src))
        for m in re.finditer(r"X\((\w+),\s*-?\d+,", src):
            names.add("TLSWIRE_" + m.group(1))
    return headers, names


def fail(problems, what):
    for p in problems:
        print("checkdoc.py: %s" % p)
    if problems:
        print("checkdoc.py: %s: %d problem(s)" % (what, len(problems)))
        return 1
    return 0


def cmd_installed(args):
    headers, _ = headers_in(args["--include"])
    mandir = args["--mandir"]
    want = [d.name for h in headers for d in h.decls]
    want += sorted({mkman.HEADER_TITLES.get(h.base, "") for h in headers} -
                   {""})
    missing = [n for n in want
               if not os.path.isfile(os.path.join(mandir, n + ".3"))]
    print("%d pages expected in %s, %d missing" % (len(want), mandir,
                                                    len(missing)))
    return fail(["no man page %s.3" % n for n in missing], "installed")


def cmd_pyopenssl(args, doc):
    _, names = public_names(args["--include"])
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    problems = []
    used = sorted(set(re.findall(r"\b((?:tlswire|TLSWIRE)_\w+)", text)))
    for n in used:
        base = n.rstrip("_")
        if n not in names and not any(
                m.startswith(base) for m in names if n.endswith("_")):
            problems.append("%s names %s, which the headers do not define"
                            % (doc, n))
    with open(args["--names"], encoding="utf-8") as f:
        wanted = [l.strip() for l in f
                  if l.strip() and not l.startswith("#")]
    for n in wanted:
        if not re.search(r"`%s[`(]" % re.escape(n), text):
            problems.append("%s does not map pyOpenSSL's %s" % (doc, n))
    print("%d tlswire names checked, %d pyOpenSSL names mapped"
          % (len(used), len(wanted)))
    return fail(problems, "pyopenssl")


def pump_block(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    start = [i for i, l in enumerate(lines) if l.startswith(BEGIN)]
    end = [i for i, l in enumerate(lines) if l.startswith(END)]
    if len(start) != 1 or len(end) != 1 or end[0] <= start[0] + 1:
        return None
    block = lines[start[0] + 1:end[0]]
    while block and not block[0].strip():
        block.pop(0)
    while block and not block[-1].strip():
        block.pop()
    return block


def cmd_readme(args):
    block = pump_block(args["--example"])
    if block is None:
        return fail(["%s: no single block between '%s' and '%s'"
                     % (args["--example"], BEGIN, END)], "readme")
    with open(args["--readme"], encoding="utf-8") as f:
        readme = f.read()
    indented = "\n".join(("    " + l) if l else "" for l in block)
    if indented in readme:
        print("README holds the %d lines of %s's pump loop"
              % (len(block), os.path.basename(args["--example"])))
        return 0
    print("README must contain this block (from %s), indented 4 spaces:"
          % args["--example"])
    print(indented)
    return fail(["README's pump loop differs from %s" % args["--example"]],
                "readme")


def cmd_exports(args):
    headers, _ = headers_in(args["--include"])
    documented = {d.name for h in headers for d in h.decls}
    with open(args["--symbols"], encoding="utf-8") as f:
        syms = [l.strip() for l in f if l.strip()]
    missing = [s for s in syms if s not in documented]
    print("%d exported symbols, %d documented functions"
          % (len(syms), len(documented)))
    return fail(["%s is exported but has no documented declaration" % s
                 for s in missing] +
                (["no exported symbols"] if not syms else []), "exports")


def render(page):
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C", MAN_KEEP_FORMATTING="")
    tries = []
    if shutil.which("man"):
        tries.append((["man", "-l", page], "man -l"))
    if shutil.which("groff"):
        tries.append((["groff", "-man", "-Tascii", "-ww", page], "groff"))
    if shutil.which("mandoc"):
        tries.append((["mandoc", "-Tascii", page], "mandoc"))
    for cmd, name in tries:
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if r.returncode == 0 and r.stdout.strip():
            return re.sub(r".\x08", "", r.stdout), r.stderr, name
    with open(page, encoding="utf-8") as f:
        return f.read(), "", "structure (no man, groff or mandoc)"


def cmd_render(page):
    text, warnings, how = render(page)
    problems = []
    sections = ["NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"]
    for s in sections:
        if not re.search(r"^(\.SH )?%s\s*$" % s, text, re.M):
            problems.append("%s: no %s section in its rendering" % (page, s))
    if "#include <tlswire/tlswire.h>" not in text.replace("\\", ""):
        problems.append("%s: the synopsis lacks the #include" % page)
    if warnings.strip():
        problems.append("%s: %s warns: %s" % (page, how, warnings.strip()))
    print("rendered %s with %s (%d lines)" % (os.path.basename(page), how,
                                            len(text.splitlines())))
    return fail(problems, "render")


def parse(argv, options):
    args, rest = {}, []
    i = 0
    while i < len(argv):
        if argv[i] in options:
            if i + 1 >= len(argv):
                raise SystemExit("checkdoc.py: %s needs a value" % argv[i])
            args[argv[i]] = argv[i + 1]
            i += 2
        else:
            rest.append(argv[i])
            i += 1
    missing = [o for o in options if o not in args]
    if missing:
        print("checkdoc.py: missing %s" % ", ".join(missing), file=sys.stderr)
        sys.exit(2)
    return args, rest


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, argv = argv[0], argv[1:]
    if cmd == "installed":
        return cmd_installed(parse(argv, ["--include", "--mandir"])[0])
    if cmd == "pyopenssl":
        args, rest = parse(argv, ["--include", "--names"])
        if len(rest) != 1:
            return 2
        return cmd_pyopenssl(args, rest[0])
    if cmd == "readme":
        return cmd_readme(parse(argv, ["--readme", "--example"])[0])
    if cmd == "exports":
        return cmd_exports(parse(argv, ["--include", "--symbols"])[0])
    if cmd == "render" and len(argv) == 1:
        return cmd_render(argv[0])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
