#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""mkman.py - man pages and a Markdown API reference from tlswire's headers.

Reads the public headers (include/tlswire/*.h), pairs every TLSWIRE_API
declaration with the comment written above it (a comment above several
declarations in a row documents each of them), and writes:

  - one section-3 page per public function (NAME, SYNOPSIS, DESCRIPTION,
    RETURN VALUE when the comment names statuses, SEE ALSO);
  - one page per header (tlswire_conn(3), tlswire_context(3), ...), listing
    its functions and constants, with the header's own introduction;
  - tlswire(3), the overview;
  - with --markdown FILE, the same reference as one Markdown file.

Exits with status 1, naming each symbol, when a public function has no
comment; status 2 on a usage or input error. --check parses and reports
without writing anything.

Usage: mkman.py [--check] [--outdir DIR] [--markdown FILE]
                [--version V] HEADER...
"""
import argparse
import os
import re
import sys

HEADER_TITLES = {
    "tlswire.h": "tlswire",
    "status.h": "tlswire_status",
    "constants.h": "tlswire_constants",
    "context.h": "tlswire_context",
    "conn.h": "tlswire_conn",
    "session.h": "tlswire_session",
    "transport.h": "tlswire_transport",
    "version.h": "tlswire",
}

GUIDES = [
    ("pyopenssl.md", "From pyOpenSSL to tlswire"),
    ("memory-api.md", "Driving the memory API"),
    ("transports.md", "Writing a transport"),
    ("event-loops.md", "Event loops"),
    ("verifying.md", "Verifying servers"),
]


class Decl:
    """One public function: its prototype, its comment, where it lives."""

    def __init__(self, name, proto, doc, header, condition):
        self.name = name
        self.proto = proto
        self.doc = doc
        self.header = header
        self.condition = condition


class Header:
    """What one header declares: functions, constants, its introduction."""

    def __init__(self, path):
        self.path = path
        self.base = os.path.basename(path)
        self.page = HEADER_TITLES.get(self.base, "tlswire_" + self.base[:-2])
        self.intro = ""
        self.decls = []
        self.macros = []  # (comment, [names])


# --- lexing -----------------------------------------------------------------

TOKEN = re.compile(r"/\*.*?\*/|//[^\n]*|\n|[^/\n]+|/", re.S)


def comment_text(raw):
    """The text of a /* */ comment, without the markers and leading stars."""
    body = raw[2:-2]
    lines = body.split("\n")
    out = []
    for line in lines:
        line = re.sub(r"^\s*\*(?!/) ?", "", line) if line.strip() else ""
        out.append(line.rstrip())
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    text = "\n".join(out)
    # Banner boxes (/* ==== */ lines) lose their frame.
    text = re.sub(r"^=+$", "", text, flags=re.M)
    return dedent(text).strip("\n")


def dedent(text):
    lines = text.split("\n")
    widths = [len(l) - len(l.lstrip(" ")) for l in lines if l.strip()]
    cut = min(widths) if widths else 0
    return "\n".join(l[cut:] for l in lines)


def is_section_banner(text):
    """'--- certificates ---' style separators document nothing."""
    first = text.strip().split("\n")[0]
    return bool(re.match(r"^-{2,}.*-{2,}$", first.strip())) or not text.strip()


def logical_lines(src):
    """Splits the header into items: ('comment', text, starts_line),
    ('pp', line), ('code', text), ('blank',). A code item runs to ';' or to a
    brace at depth 0, so a declaration spanning lines is one item."""
    items = []
    pos = 0
    at_line_start = True
    code = ""
    depth = 0
    n = len(src)
    while pos < n:
        if at_line_start and not code.strip():
            m = re.match(r"[ \t]*#", src[pos:])
            if m:
                end = pos
                while True:
                    nl = src.find("\n", end)
                    if nl < 0:
                        nl = n
                    line = src[end:nl]
                    end = nl + 1
                    if not line.rstrip().endswith("\\"):
                        break
                items.append(("pp", src[pos:end].strip()))
                pos = end
                continue
        if src.startswith("/*", pos):
            end = src.find("*/", pos + 2)
            if end < 0:
                raise ValueError("unterminated comment")
            raw = src[pos:end + 2]
            if depth == 0 and not code.strip():
                items.append(("comment", comment_text(raw), at_line_start))
            pos = end + 2
            at_line_start = False
            continue
        ch = src[pos]
        if ch == "\n":
            if not code.strip():
                # a blank line: only whitespace since the last line start
                if at_line_start:
                    items.append(("blank",))
                code = ""
            else:
                code += " "
            at_line_start = True
            pos += 1
            continue
        if not ch.isspace():
            at_line_start = False
        code += ch
        if ch == "{" and re.match(r'extern\s+"C"\s*\{$', code.strip()):
            code = ""  # the C++ guard opens no scope of its own
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if depth == 0 and ch in ";}" and code.strip():
            items.append(("code", " ".join(code.split())))
            code = ""
        pos += 1
    return items


# --- parsing ----------------------------------------------------------------

API = "TLSWIRE_API"
NAME = re.compile(r"\b(tlswire_\w+)\s*\(")
DEFINE = re.compile(r"#\s*define\s+(TLSWIRE_\w+)\b(?!\()")


def parse_header(path):
    with open(path, encoding="utf-8") as f:
        src = f.read()
    hdr = Header(path)
    items = logical_lines(src)
    pending = None       # the last doc comment and whether it still applies
    group_doc = None     # the doc of the declaration just before
    conds = []
    first_comment = True
    macro_doc = ""
    for item in items:
        kind = item[0]
        if kind == "comment":
            text, starts_line = item[1], item[2]
            if first_comment:
                hdr.intro = text
                first_comment = False
                continue
            if starts_line and not is_section_banner(text):
                pending = text
                macro_doc = text
            group_doc = None
        elif kind == "blank":
            pending = None  # a comment documents only what follows it directly
            group_doc = None
        elif kind == "pp":
            line = item[1]
            cond_line(conds, line)
            m = DEFINE.match(line)
            if m and not m.group(1).endswith("_H") and m.group(1) != API:
                add_macro(hdr, macro_doc, m.group(1))
            group_doc = None
        elif kind == "code":
            text = item[1]
            if text.startswith(API + " ") or text.startswith(API + "\n"):
                decl = make_decl(text, pending or group_doc, hdr, conds)
                hdr.decls.append(decl)
                group_doc = decl.doc
                pending = None
            else:
                # typedefs and struct definitions keep the comment for the
                # declaration that follows them; anything else ends it
                if not text.startswith("typedef"):
                    pending = None
                group_doc = None
    return hdr


def cond_line(conds, line):
    m = re.match(r"#\s*(if|ifdef|ifndef|elif|else|endif)\b\s*(.*)", line)
    if not m:
        return
    what, arg = m.group(1), m.group(2).strip()
    if what in ("if", "ifdef", "ifndef"):
        conds.append(arg if what != "ifndef" else "!" + arg)
    elif what == "endif" and conds:
        conds.pop()
    elif what in ("else", "elif") and conds:
        conds[-1] = "!(%s)" % conds[-1] if what == "else" else arg


def add_macro(hdr, doc, name):
    if hdr.macros and hdr.macros[-1][0] == doc:
        hdr.macros[-1][1].append(name)
    else:
        hdr.macros.append((doc, [name]))


def make_decl(text, doc, hdr, conds):
    proto = text[len(API):].strip()
    proto = re.sub(r"\s*\*\s*\*\s*", " **", proto)
    proto = re.sub(r"\(\s+", "(", proto)
    m = NAME.search(proto)
    if not m:
        raise ValueError("%s: cannot find the name in: %s" % (hdr.path, text))
    relevant = [c for c in conds if "TLSWIRE_" in c and not c.endswith("_H")
                and "__cplusplus" not in c]
    return Decl(m.group(1), proto, doc, hdr.base, " && ".join(relevant))


def parse_statuses(headers):
    """The status table of status.h: name -> message."""
    table = {}
    for hdr in headers:
        if hdr.base != "status.h":
            continue
        with open(hdr.path, encoding="utf-8") as f:
            src = f.read()
        for m in re.finditer(r'X\((\w+),\s*(-?\d+),\s*"([^"]*)"\)', src):
            table["TLSWIRE_" + m.group(1)] = (int(m.group(2)), m.group(3))
    return table


# --- roff -------------------------------------------------------------------

def roff_escape(text):
    text = text.replace("\\", "\\e")
    text = text.replace("-", "\\-")
    lines = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def roff_paragraphs(text):
    """Comment text to roff: blank lines part paragraphs, '- ' items become
    tagged paragraphs, indented runs stay as written."""
    out = [".PP"]
    mode = "text"
    for line in text.split("\n"):
        if not line.strip():
            if mode == "pre":
                out.append(".fi")
            mode = "text"
            out.append(".PP")
            continue
        bullet = re.match(r"^( ?)[-*] (.*)", line)
        indented = line.startswith("  ") and not bullet
        if bullet:
            if mode == "pre":
                out.append(".fi")
            out.append(".IP \\(bu 2")
            out.append(roff_escape(bullet.group(2)))
            mode = "item"
        elif indented and mode == "item" and line.startswith("   "):
            out.append(roff_escape(line.strip()))
        elif indented:
            if mode != "pre":
                out.append(".nf")
                out.append(".RS 2")
                mode = "pre"
            out.append(roff_escape(line[2:]))
        else:
            if mode == "pre":
                out.append(".RE")
                out.append(".fi")
            elif mode == "item":
                out.append(".PP")
            mode = "text"
            out.append(roff_escape(line))
    if mode == "pre":
        out.append(".RE")
        out.append(".fi")
    cleaned = []
    for line in out:
        if line == ".PP" and cleaned and cleaned[-1] == ".PP":
            continue
        cleaned.append(line)
    return "\n".join(cleaned)


def wrap_proto(proto, width=72):
    if len(proto) <= width:
        return proto
    head, _, rest = proto.partition("(")
    params = split_params(rest[:-2] if rest.endswith(");") else rest)
    lines = []
    line = head + "("
    indent = " " * 4
    for i, p in enumerate(params):
        piece = p + (", " if i < len(params) - 1 else ");")
        if len(line) + len(piece.rstrip()) > width and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += piece
    lines.append(line.rstrip())
    return "\n".join(lines)


def split_params(text):
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def th(name, version, date_text):
    return ('.TH %s 3 "%s" "tlswire %s" "tlswire manual"\n.nh\n.ad l\n'
            % (name.upper().replace("_", "\\_"), date_text, version))


def first_sentence(text, name=None):
    """A one-line summary for NAME sections: the function's own item of a
    group comment ("name: does this") when there is one, else the comment's
    first sentence without a short label such as "Beyond pyOpenSSL:"."""
    flat = " ".join(text.split())
    if name:
        m = re.search(r"\b%s: (.*?)(?= \S+: |$)" % re.escape(name), flat)
        if m:
            flat = m.group(1)
    for _ in range(2):  # "Beyond pyOpenSSL. Client: ..." has two
        m = re.match(r"^(%s)[:.] (.+)$" % "|".join(LABELS), flat)
        if m:
            flat = m.group(2)
    m = re.match(r"(.+?(?<!e\.g)(?<!i\.e)(?<!\.\.)\.)(\s|$)", flat)
    s = m.group(1) if m else flat
    colon = s.find(": ")
    if colon >= 15:
        s = s[:colon]
    s = s.rstrip(".:; ")
    if len(s) > 100:
        s = s[:100].rsplit(" ", 1)[0] + " ..."
    return s


# Labels that open some comments and say nothing about the function itself.
LABELS = ["Beyond pyOpenSSL", "Client", "Server", "DTLS",
          "Client, before the handshake", "For TLSWIRE_E_CALLBACK",
          "DTLS server, stateless"]


def statuses_named(doc, table):
    names = []
    for m in re.finditer(r"\bTLSWIRE_(OK|E_[A-Z0-9_]+)\b", doc):
        n = "TLSWIRE_" + m.group(1)
        if n in table and n not in names:
            names.append(n)
    return names


def default_rule(hdr):
    """The header's 'Unless stated otherwise' paragraph, if it has one."""
    for para in re.split(r"\n\s*\n", hdr.intro):
        if "Unless stated otherwise" in para:
            return para
    return ""


def function_page(decl, hdr, table, version, date_text):
    out = [th(decl.name, version, date_text)]
    out.append(".SH NAME\n%s \\- %s\n" % (
        roff_escape(decl.name), roff_escape(first_sentence(decl.doc, decl.name))))
    out.append(".SH SYNOPSIS\n.nf\n.B #include <tlswire/tlswire.h>\n.PP\n")
    out.append(roff_escape(wrap_proto(decl.proto)) + "\n.fi\n")
    if decl.condition:
        out.append(".PP\nDeclared only when %s (see tlswire_transport(3)).\n"
                   % roff_escape(decl.condition))
    group = [d.name for d in hdr.decls if d.doc is decl.doc]
    out.append(".SH DESCRIPTION\n")
    if len(group) > 1:
        out.append(".PP\nThis description covers %s.\n"
                   % roff_escape(", ".join(group)))
    out.append(roff_paragraphs(decl.doc) + "\n")
    named = statuses_named(decl.doc, table)
    rule = default_rule(hdr)
    if named or rule:
        out.append(".SH RETURN VALUE\n")
        if named:
            out.append(".PP\nStatuses this page names:\n")
            for n in named:
                out.append(".TP\n.B %s\n%s (%d).\n" % (
                    roff_escape(n), roff_escape(table[n][1]), table[n][0]))
        if rule:
            out.append(".PP\n" + roff_escape(" ".join(rule.split())) + "\n")
    others = [d.name for d in hdr.decls if d.name != decl.name]
    see = ["%s (3)" % hdr.page] + ["%s (3)" % n for n in others]
    if hdr.page != "tlswire":
        see.insert(0, "tlswire (3)")
    out.append(".SH SEE ALSO\n" + roff_escape(",\n".join(see)) + "\n")
    return "".join(out).replace(" (3)", "(3)")


def header_page(hdr, table, version, date_text, headers):
    out = [th(hdr.page, version, date_text)]
    title = first_sentence(hdr.intro.split(" - ", 1)[-1]) if hdr.intro else ""
    out.append(".SH NAME\n%s \\- %s\n" % (roff_escape(hdr.page),
                                         roff_escape(title)))
    out.append(".SH SYNOPSIS\n.nf\n.B #include <tlswire/tlswire.h>\n.PP\n")
    for d in hdr.decls:
        out.append(roff_escape(wrap_proto(d.proto)) + "\n")
    out.append(".fi\n")
    intro = hdr.intro.split("\n", 1)[1] if "\n" in hdr.intro else ""
    out.append(".SH DESCRIPTION\n")
    if intro.strip():
        out.append(roff_paragraphs(intro.strip("\n")) + "\n")
    if hdr.decls:
        out.append(".SH FUNCTIONS\n")
        for d in hdr.decls:
            out.append(".TP\n.BR %s (3)\n%s.\n" % (
                roff_escape(d.name), roff_escape(first_sentence(d.doc, d.name))))
    if hdr.macros:
        out.append(".SH CONSTANTS\n")
        for doc, names in hdr.macros:
            out.append(".PP\n.nf\n" + roff_escape("\n".join(names)) + "\n.fi\n")
            if doc:
                out.append(roff_paragraphs(doc).replace(".PP\n", ".RS 4\n", 1)
                           + "\n.RE\n")
    if hdr.page == "tlswire":
        out.append(overview_sections(headers))
    see = ["tlswire (3)"] if hdr.page != "tlswire" else []
    see += ["%s (3)" % h.page for h in headers
            if h.page not in (hdr.page, "tlswire")]
    out.append(".SH SEE ALSO\n" + roff_escape(",\n".join(see)) + "\n")
    return "".join(out).replace(" (3)", "(3)")


def overview_sections(headers):
    out = [".SH HEADERS\n"]
    for h in headers:
        if h.page == "tlswire":
            continue
        title = first_sentence(h.intro.split(" - ", 1)[-1]) if h.intro else ""
        out.append(".TP\n.BR %s (3)\n<tlswire/%s>: %s.\n" % (
            roff_escape(h.page), h.base, roff_escape(title)))
    out.append(".SH GUIDES\nThe source distribution's doc/ directory holds"
               " the guides, in Markdown:\n")
    for fname, title in GUIDES:
        out.append(".TP\n.I doc/%s\n%s.\n" % (fname, title))
    out.append(".SH BUILDING\n.nf\ncc app.c $(pkg\\-config \\-\\-cflags"
               " \\-\\-libs tlswire) \\-o app\n.fi\n")
    return "".join(out)


# --- Markdown ---------------------------------------------------------------

def markdown(headers, version):
    out = ["# tlswire %s API reference\n\n" % version,
           "Generated from the comments of the public headers by "
           "`doc/mkman.py`; every function also has a man page "
           "(`man tlswire_conn_send`).\n\n"]
    for h in headers:
        out.append("- [<tlswire/%s>](#%s)\n" % (h.base, h.page))
    for h in headers:
        out.append('\n<a id="%s"></a>\n\n## <tlswire/%s>\n\n' % (h.page, h.base))
        out.append("```\n%s\n```\n" % h.intro)
        for d in h.decls:
            out.append("\n### %s\n\n```c\n%s\n```\n\n" % (d.name,
                                                         wrap_proto(d.proto)))
            if d.condition:
                out.append("Declared only when `%s`.\n\n" % d.condition)
            out.append("```\n%s\n```\n" % d.doc)
    return "".join(out)


def merge_pages(headers):
    """version.h has no functions: its macros join tlswire(3)."""
    by_page = {}
    for h in headers:
        if h.base == "version.h":
            h.page = "tlswire"
        if h.page in by_page:
            keep = by_page[h.page]
            if h.base == "version.h":
                keep.macros += h.macros
            else:
                h.macros += keep.macros
                by_page[h.page] = h
        else:
            by_page[h.page] = h
    return list(by_page.values())


# --- main -------------------------------------------------------------------

def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="parse and report only; write nothing")
    ap.add_argument("--outdir", help="directory for the man3 pages")
    ap.add_argument("--markdown", help="write the Markdown reference here")
    ap.add_argument("--version", default="", help="version for the pages")
    ap.add_argument("--date", default="", help="date text for the pages")
    ap.add_argument("--list", action="store_true",
                    help="print every documented function's name")
    ap.add_argument("headers", nargs="+")
    args = ap.parse_args(argv)
    headers = []
    try:
        for path in args.headers:
            headers.append(parse_header(path))
    except (OSError, ValueError) as e:
        print("mkman.py: %s" % e, file=sys.stderr)
        return 2
    headers = merge_pages(headers)
    headers.sort(key=lambda h: (h.page != "tlswire", h.page))
    bad = [d for h in headers for d in h.decls if not (d.doc or "").strip()]
    for d in bad:
        print("mkman.py: %s (%s): public function without a comment"
              % (d.name, d.header), file=sys.stderr)
    if bad:
        return 1
    names = [d.name for h in headers for d in h.decls]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        print("mkman.py: declared more than once: %s" % ", ".join(dups),
              file=sys.stderr)
        return 2
    if args.list:
        print("\n".join(sorted(names)))
    if args.check:
        print("mkman.py: %d functions documented in %d headers"
              % (len(names), len(headers)), file=sys.stderr)
        return 0
    table = parse_statuses(headers)
    if args.outdir:
        os.makedirs(args.outdir, exist_ok=True)
        for h in headers:
            write(os.path.join(args.outdir, h.page + ".3"),
                  header_page(h, table, args.version, args.date, headers))
            for d in h.decls:
                write(os.path.join(args.outdir, d.name + ".3"),
                      function_page(d, h, table, args.version, args.date))
    if args.markdown:
        write(args.markdown, markdown(headers, args.version))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
