#!/usr/bin/env python3
"""Generate tags.def, enums.def and masks.def from the OASIS KMIP specification texts.

Usage:
    gen_spec_tables.py SPEC_DIR [--json-dir DIR] [--out-dir DIR] [--check]

SPEC_DIR holds the plain-text renderings of the OASIS documents (tables drawn with box-drawing
characters): kmip-spec-v1.1-os.txt, kmip-spec-v1.4-os.txt and kmip-spec-v2.1-os.txt.
--json-dir optionally names the folder with kmip_1_4.json and kmip_2_0_additions.json (third-party
tables); they are only cross-checked against the spec texts and the disagreements are reported on
stderr. They never change the output.
--out-dir defaults to the folder of this script. --check writes nothing and exits 1 when a checked-in
file differs from what would be generated.

The output is deterministic: it depends only on the spec texts and on the evidence tables below.
The .def files are checked in; this script is not run at build time. See README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------------------
VERSIONS = ["v1_0", "v1_1", "v1_2", "v1_3", "v1_4", "v2_0", "v2_1"]
VRANK = {v: i for i, v in enumerate(VERSIONS)}

SPEC_FILES = {  # document -> (file name, table layout)
    "1.1": "kmip-spec-v1.1-os.txt",
    "1.4": "kmip-spec-v1.4-os.txt",
    "2.1": "kmip-spec-v2.1-os.txt",
}

# ---------------------------------------------------------------------------------------------------
# Evidence for `since` (see README.md for the sources of each fact).
#
# A row first printed in the 1.1 text is v1_0 unless a rule below says v1_1.
# A row first printed in the 1.4 text MUST be covered by a v1_2/v1_3/v1_4 rule (else: error).
# A row first printed in the 2.1 text is v2_0 unless a rule below says v2_1.
# ---------------------------------------------------------------------------------------------------

# Tags were allocated by appending; these are the value ranges each version added.
TAG_RANGES = [
    (0x420001, 0x4200A1, "v1_0"),
    (0x4200A2, 0x4200B7, "v1_1"),
    (0x4200B8, 0x4200D3, "v1_2"),
    (0x4200D4, 0x4200F7, "v1_3"),
    (0x4200F8, 0x420124, "v1_4"),
    (0x420125, 0x420165, "v2_0"),
    (0x420166, 0x420176, "v2_1"),
]

ALL = (0x00000000, 0xFFFFFFFF)

# (enumeration or mask spec name, low value, high value, version)
VALUE_RULES = [
    # --- added in 1.1 -------------------------------------------------------------------------
    ("Credential Type", 0x02, 0x02, "v1_1"),
    ("Digital Signature Algorithm", 0x01, 0x10, "v1_1"),
    ("Encoding Option", *ALL, "v1_1"),
    ("Object Group Member", *ALL, "v1_1"),
    ("Operation", 0x1D, 0x1E, "v1_1"),
    ("Query Function", 0x05, 0x06, "v1_1"),
    ("Result Reason", 0x12, 0x12, "v1_1"),
    # --- added in 1.2 -------------------------------------------------------------------------
    ("Alternative Name Type", *ALL, "v1_2"),
    ("Attestation Type", *ALL, "v1_2"),
    ("Credential Type", 0x03, 0x03, "v1_2"),
    ("Cryptographic Algorithm", 0x1A, 0x1A, "v1_2"),
    ("Hashing Algorithm", 0x0C, 0x0D, "v1_2"),
    ("Key Value Location Type", *ALL, "v1_2"),
    ("Link Type", 0x108, 0x10B, "v1_2"),
    ("Object Type", 0x09, 0x09, "v1_2"),
    ("Operation", 0x1F, 0x29, "v1_2"),
    ("Query Function", 0x07, 0x07, "v1_2"),
    ("Recommended Curve", 0x10, 0x44, "v1_2"),
    ("Result Reason", 0x13, 0x15, "v1_2"),
    ("Split Key Method", 0x04, 0x04, "v1_2"),
    # --- added in 1.3 -------------------------------------------------------------------------
    ("Client Registration Method", *ALL, "v1_3"),
    ("Cryptographic Algorithm", 0x1B, 0x1B, "v1_3"),
    ("DRBG Algorithm", *ALL, "v1_3"),
    ("Destroy Action", *ALL, "v1_3"),
    ("FIPS186 Variation", *ALL, "v1_3"),
    ("Key Format Type", 0x14, 0x15, "v1_3"),
    ("Profile Name", 0x01, 0x78, "v1_3"),
    ("Query Function", 0x08, 0x0C, "v1_3"),
    ("RNG Algorithm", *ALL, "v1_3"),
    ("RNG Mode", *ALL, "v1_3"),
    ("Shredding Algorithm", *ALL, "v1_3"),
    ("Unwrap Mode", *ALL, "v1_3"),
    ("Validation Authority Type", *ALL, "v1_3"),
    ("Validation Type", *ALL, "v1_3"),
    # --- added in 1.4 -------------------------------------------------------------------------
    ("Block Cipher Mode", 0x12, 0x12, "v1_4"),
    ("Cryptographic Algorithm", 0x1C, 0x28, "v1_4"),
    ("Derivation Method", 0x08, 0x08, "v1_4"),
    ("Digital Signature Algorithm", 0x11, 0x13, "v1_4"),
    ("Hashing Algorithm", 0x0E, 0x11, "v1_4"),
    ("Key Format Type", 0x16, 0x16, "v1_4"),
    ("Key Role Type", 0x16, 0x18, "v1_4"),
    ("Key Wrap Type", *ALL, "v1_4"),
    ("Link Type", 0x10C, 0x10D, "v1_4"),
    ("Mask Generator", *ALL, "v1_4"),
    ("Operation", 0x2A, 0x2B, "v1_4"),
    ("Profile Name", 0x79, 0x9C, "v1_4"),
    ("Result Reason", 0x16, 0x18, "v1_4"),
    # --- added in 2.1 (everything else first printed in the 2.1 text is 2.0) -------------------
    ("Operation", 0x36, 0x3B, "v2_1"),
    ("Processing Stage", *ALL, "v2_1"),
    ("Result Reason", 0x48, 0x4C, "v2_1"),
    ("Rotate Name Type", *ALL, "v2_1"),
]

# Values that KMIP 2.0 defined and KMIP 2.1 turned into "(Reserved)", so they are not in any text
# this script reads. Source: the 2.0 table as given by kmip_2_0_additions.json (and PyKMIP 0.10).
EXTRA_V2_0_VALUES = {
    "Profile Name": {
        0x118: "Suite B minLOS_128 Client",
        0x119: "Suite B minLOS_128 Server",
        0x11A: "Suite B minLOS_192 Client",
        0x11B: "Suite B minLOS_192 Server",
    },
}

# Obvious typos in the newest text, fixed to the older (and conventional) spelling.
NAME_FIXES = {
    ("Mask Generator", 0x01, "MFG1"): "MGF1",  # 2.1 prints MFG1, 1.4 prints MGF1 (RFC 8017 name)
}

# Tags, other than the tag of the same name, whose Enumeration items use an enumeration.
EXTRA_ENUM_TAGS = {
    "Hashing Algorithm": ["Mask Generator Hashing Algorithm"],  # 1.4 3.6 / 2.1 Cryptographic Parameters
    "Unique Identifier": ["Linked Object Identifier"],  # 2.1: Text String/Enumeration/Integer
    "Item Type": ["Extension Type"],  # 2.1 Extension Information: "Enumeration (Item Type)"
}

# Tags that carry a mask: the Integer tag of the same name, and (Protection Storage Mask) the
# structures that hold lists of Protection Storage Mask selections.
MASK_TAGS = {
    "Cryptographic Usage Mask": ["Cryptographic Usage Mask"],
    "Storage Status Mask": ["Storage Status Mask"],
    "Protection Storage Mask": [
        "Protection Storage Mask",
        "Protection Storage Masks",
        "Common Protection Storage Masks",
        "Private Protection Storage Masks",
        "Public Protection Storage Masks",
    ],
}

# Enumerations the spec defines without a value table (values come from another standard or are
# extensions only). spec.cpp cannot hold an empty value array, so they are left out.
SKIP_ENUMS = {"Tag", "PKCS#11 Function", "PKCS#11 Return Code", "Opaque Data Type"}

# ---------------------------------------------------------------------------------------------------
# C++ naming
# ---------------------------------------------------------------------------------------------------
CPP_KEYWORDS = set("""
alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t char32_t
class compl concept const consteval constexpr constinit const_cast continue co_await co_return
co_yield decltype default delete do double dynamic_cast else enum explicit export extern false float
for friend goto if inline int long mutable namespace new noexcept not not_eq nullptr operator or
or_eq private protected public register reinterpret_cast requires return short signed sizeof static
static_assert static_cast struct switch template this thread_local throw true try typedef typeid
typename union unsigned using virtual void volatile wchar_t while xor xor_eq
""".split())
# Lower-case names that are macros in common C/C++ headers or predefined by GCC in GNU modes.
CPP_MACROS = {"assert", "errno", "major", "minor", "makedev", "unix", "linux", "i386", "stdin",
              "stdout", "stderr", "offsetof", "setjmp", "va_arg", "va_start", "va_end", "bool"}
# Names declared by kmip/spec/spec.hpp in namespace kmip::spec.
SPEC_HPP_NAMES = {"version", "newest_version", "protocol_version", "to_protocol_version",
                  "to_version", "to_string", "tag", "tag_info", "all_tags", "find_tag",
                  "is_extension_tag", "enumeration_id", "enum_value_info", "enumeration_info",
                  "all_enumerations", "info", "enumeration_for_tag", "find_value", "name_of",
                  "mask_info", "all_masks", "mask_for_tag", "mask_id"}
# Readable words for names that start with a digit; otherwise an "n" is prefixed.
DIGIT_PREFIXES = {"3des": "triple_des"}


def snake(name: str) -> str:
    s = re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_").lower()
    return re.sub(r"_+", "_", s)


def cpp_name(name: str) -> str:
    s = snake(name)
    if s and s[0].isdigit():
        head = s.split("_", 1)[0]
        if head in DIGIT_PREFIXES:
            s = DIGIT_PREFIXES[head] + s[len(head):]
        else:
            s = "n" + s
    if s in CPP_KEYWORDS or s in CPP_MACROS:
        s += "_"
    return s


def camel(name: str) -> str:
    """KMIP Additional Message Encodings v1.0, 4.1.3 "Normalizing Names", rules 1-6."""
    text = re.sub(r"[()]", " ", name)                          # 1. brackets -> space
    text = re.sub(r"\W([A-Za-z][a-z])", r" \1", text)          # 2. non-word before letter+lower -> space
    words = [re.sub(r"\W", "_", w) for w in text.split()]     # 3. other non-word chars -> underscore
    words[0] = re.sub(r"^(\d+)(.*)", r"\2\1", words[0])        # 4. leading digits to end of first word
    words = [w[:1].upper() + w[1:] for w in words]             # 5. capitalise first letter
    return "".join(words)                                      # 6. concatenate


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------------------------------------------
# Box-drawing table reader
# ---------------------------------------------------------------------------------------------------
HEADING_RE = re.compile(r"^(\d+(?:\.\d+)+)\s+(\S.*?)\s*$")


@dataclass
class Table:
    line: int
    section: str
    title: str
    rows: list  # list of list of cell strings


def join_fragments(frags):
    out = ""
    for f in frags:
        f = f.strip()
        if not f:
            continue
        if out and not out.endswith("-"):
            out += " "
        out += f
    return clean(out)


def read_tables(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    tables = []
    section, title = "", ""
    i = 0
    while i < len(lines):
        ln = lines[i]
        m = HEADING_RE.match(ln)
        if m and "│" not in ln and not re.search(r"\.{3,}|\s\d+$", ln):
            section, title = m.group(1), m.group(2)
        if "┌" in ln:
            rows, cur = [], None
            j = i + 1
            while j < len(lines) and "└" not in lines[j]:
                row_line = lines[j].strip()
                if row_line.startswith("├"):
                    if cur is not None:
                        rows.append(cur)
                    cur = None
                elif "│" in row_line:
                    cells = row_line.split("│")
                    if row_line.startswith("│"):
                        cells = cells[1:]
                    if row_line.endswith("│"):
                        cells = cells[:-1]
                    if cur is None:
                        cur = [[c] for c in cells]
                    elif len(cells) == len(cur):
                        for k, c in enumerate(cells):
                            cur[k].append(c)
                    else:  # a row whose column layout changed: keep it separate
                        rows.append(cur)
                        cur = [[c] for c in cells]
                j += 1
            if cur is not None:
                rows.append(cur)
            tables.append(Table(i + 1, section, title, [[join_fragments(c) for c in r] for r in rows]))
            i = j
        i += 1
    return tables


# ---------------------------------------------------------------------------------------------------
# Spec parsing
# ---------------------------------------------------------------------------------------------------
VALUE_RE = re.compile(r"^(?:0x)?([0-9A-Fa-f]{6,8})(?:\s+(.*))?$")


def placeholder(name: str) -> bool:
    return name in ("Extensions", "(Unused)") or name.startswith("(Reserved")


@dataclass
class DocTables:
    tags: dict = field(default_factory=dict)    # value -> (name, note)
    enums: dict = field(default_factory=dict)   # enum name -> {value: (name, note)}
    masks: dict = field(default_factory=dict)   # mask name -> {value: (name, note)}
    reserved: dict = field(default_factory=dict)  # kind/name -> set(values) printed as (Reserved)


def parse_spec(path: str, doc: str) -> DocTables:
    out = DocTables()
    for t in read_tables(path):
        sec = t.section
        if doc.startswith("1."):
            if sec == "9.1.3.1":
                kind = "tag"
            elif sec.startswith("9.1.3.2."):
                kind = "enum"
            elif sec.startswith("9.1.3.3."):
                kind = "mask"
            else:
                continue
        else:
            if sec == "11.56":
                kind = "tag"
            elif sec.startswith("11."):
                kind = "enum"
            elif sec.startswith("12."):
                kind = "mask"
            else:
                continue
        hdr = None
        for k, r in enumerate(t.rows):
            if len(r) == 2 and r[0] in ("Name", "Object") and r[1] in ("Value", "Tag Value"):
                hdr = k
                break
        if hdr is None:
            continue  # a description table, not a value table
        title = re.sub(r"\s+Enumeration\b.*$", "", t.title).strip()
        if kind == "tag":
            target = out.tags
            rkey = "tag"
        elif kind == "enum":
            target = out.enums.setdefault(title, {})
            rkey = "enum/" + title
        else:
            target = out.masks.setdefault(title, {})
            rkey = "mask/" + title
        for r in t.rows[hdr + 1:]:
            if len(r) != 2:
                raise SystemExit(f"{path}:{t.line}: unexpected row {r!r}")
            name, raw = clean(r[0]), clean(r[1])
            m = VALUE_RE.match(raw)
            if not m:
                if placeholder(name):
                    continue
                raise SystemExit(f"{path}:{t.line}: cannot read value {raw!r} of {name!r}")
            value, note = int(m.group(1), 16), clean(m.group(2) or "")
            if placeholder(name):
                if re.fullmatch(r"\(Reserved\)", name) and not note:
                    out.reserved.setdefault(rkey, set()).add(value)
                continue
            if value in target and target[value][0] != name:
                raise SystemExit(f"{path}:{t.line}: {rkey} value {value:#x} printed twice")
            target[value] = (name, note)
    missing = [k for k, v in (("tags", out.tags), ("enums", out.enums), ("masks", out.masks)) if not v]
    if missing:
        raise SystemExit(f"{path}: found no {', '.join(missing)}")
    return out


# ---------------------------------------------------------------------------------------------------
# Merging and `since`
# ---------------------------------------------------------------------------------------------------
@dataclass
class Row:
    value: int
    name: str
    since: str
    cpp: str = ""
    camel: str = ""
    comments: list = field(default_factory=list)


@dataclass
class Table2:
    name: str
    rows: list
    since: str = ""
    cpp: str = ""
    camel: str = ""
    tags: list = field(default_factory=list)


def first_doc(presence):
    for d in ("1.1", "1.4", "2.1"):
        if d in presence:
            return d
    return None


def value_rule(table, value):
    hits = [v for (n, lo, hi, v) in VALUE_RULES if n == table and lo <= value <= hi]
    if len(hits) > 1:
        raise SystemExit(f"{table} {value:#x}: more than one evidence rule")
    return hits[0] if hits else None


def since_for_value(table, value, presence):
    doc = first_doc(presence)
    rule = value_rule(table, value)
    if doc == "1.1":
        if rule not in (None, "v1_1"):
            raise SystemExit(f"{table} {value:#x} is in the 1.1 text but the rule says {rule}")
        return rule or "v1_0"
    if doc == "1.4":
        if rule not in ("v1_2", "v1_3", "v1_4"):
            raise SystemExit(f"{table} {value:#x} first appears in the 1.4 text: no 1.2/1.3/1.4 evidence")
        return rule
    if doc == "2.1":
        if rule not in (None, "v2_1"):
            raise SystemExit(f"{table} {value:#x} first appears in the 2.1 text but the rule says {rule}")
        return rule or "v2_0"
    raise AssertionError


def since_for_tag(value, presence):
    hits = [v for lo, hi, v in TAG_RANGES if lo <= value <= hi]
    if len(hits) != 1:
        raise SystemExit(f"tag {value:#x}: outside the known allocation ranges")
    since = hits[0]
    doc = first_doc(presence)
    expected = {"1.1": ("v1_0", "v1_1"), "1.4": ("v1_2", "v1_3", "v1_4"), "2.1": ("v2_0", "v2_1")}[doc]
    if since not in expected:
        raise SystemExit(f"tag {value:#x}: range says {since} but first printed in the {doc} text")
    return since


def pick_name(table, value, names):
    """The newest printed name wins; older, different spellings are kept as comments."""
    printed = [names[d] for d in ("2.1", "1.4", "1.1") if d in names]
    newest = printed[0]
    comments = []
    fixed = NAME_FIXES.get((table, value, newest))
    if fixed:
        comments.append(f'the 2.1 text prints "{newest}"')
        newest = fixed
    older = []
    for o in printed[1:]:
        if o not in (newest, printed[0]) and o not in older:
            older.append(o)
    comments += [f'1.x name: "{o}"' for o in older]
    return newest, comments


def build(docs):
    # ---- tags ----
    tag_values = sorted(set(v for d in docs.values() for v in d.tags))
    tags = []
    for v in tag_values:
        presence = {d: docs[d].tags[v] for d in docs if v in docs[d].tags}
        names = {d: n for d, (n, _) in presence.items()}
        name, comments = pick_name("tag", v, names)
        notes = sorted(set(note for _, note in presence.values() if note))
        for n in notes:
            comments.append(n.strip("()"))
        if "2.1" not in presence and v in docs["2.1"].reserved.get("tag", set()):
            comments.append("(Reserved) in 2.x")
        tags.append(Row(v, name, since_for_tag(v, presence), comments=comments))

    # ---- enumerations and masks ----
    def merge(kind):
        names = sorted(set(n for d in docs.values() for n in getattr(d, kind)))
        result = []
        for tname in names:
            if tname in SKIP_ENUMS:
                continue
            per_doc = {d: getattr(docs[d], kind).get(tname) for d in docs if tname in getattr(docs[d], kind)}
            values = sorted(set(v for t in per_doc.values() for v in t))
            rows = []
            for v in values:
                presence = {d: t[v] for d, t in per_doc.items() if v in t}
                nm = {d: n for d, (n, _) in presence.items()}
                name, comments = pick_name(tname, v, nm)
                notes = sorted(set(note for _, note in presence.values() if note))
                comments += [n.strip("()") for n in notes]
                rkey = ("enum/" if kind == "enums" else "mask/") + tname
                if "2.1" not in presence and v in docs["2.1"].reserved.get(rkey, set()):
                    comments.append("(Reserved) in 2.x")
                rows.append(Row(v, name, since_for_value(tname, v, presence), comments=comments))
            for v, n in sorted(EXTRA_V2_0_VALUES.get(tname, {}).items()):
                if any(r.value == v for r in rows):
                    raise SystemExit(f"{tname} {v:#x}: extra 2.0 value is also printed in a text")
                rows.append(Row(v, n, "v2_0", comments=["2.0 only: (Reserved) in the 2.1 text"]))
            rows.sort(key=lambda r: r.value)
            if not rows:
                continue
            result.append(Table2(tname, rows))
        return result

    enums = merge("enums")
    masks = merge("masks")
    return tags, enums, masks


# ---------------------------------------------------------------------------------------------------
# Naming and checks
# ---------------------------------------------------------------------------------------------------
def assign_names(tags, enums, masks, log):
    def unique(rows, what, reserved=frozenset()):
        seen = {}
        for r in rows:
            base = cpp_name(r.name)
            c = base
            if c in reserved:
                c = base + "_enum" if what == "enumeration" else base + "_mask"
            if c in seen:
                c = f"{base}_{r.value:x}"
                log.append(f"{what}: '{r.name}' ({r.value:#x}) clashes with '{seen[base].name}' -> {c}")
            if c in seen:
                raise SystemExit(f"{what}: cannot make a unique name for {r.name!r}")
            seen[c] = r
            r.cpp = c
        camels = {}
        for r in rows:
            r.camel = camel(r.name)
            if r.camel in camels:
                raise SystemExit(f"{what}: CamelName {r.camel} of {r.name!r} and {camels[r.camel]!r}")
            camels[r.camel] = r.name
        names = {}
        for r in rows:
            if r.name in names:
                raise SystemExit(f"{what}: spec name {r.name!r} twice")
            names[r.name] = r

    unique(tags, "tag")
    for e in enums:
        unique(e.rows, f"value of {e.name}")
    for m in masks:
        unique(m.rows, f"bit of {m.name}")

    # Enumeration and mask names share namespace kmip::spec with each other and with spec.hpp.
    taken = set(SPEC_HPP_NAMES)
    for group, what in ((enums, "enumeration"), (masks, "mask")):
        for t in group:
            c = cpp_name(t.name)
            if c in taken:
                new = c + ("_enum" if what == "enumeration" else "_mask")
                log.append(f"{what} '{t.name}': '{c}' is taken in namespace kmip::spec -> {new}")
                c = new
            if c in taken:
                raise SystemExit(f"{what} {t.name!r}: cannot make a unique name")
            taken.add(c)
            t.cpp = c
            t.camel = camel(t.name)
            t.since = min((r.since for r in t.rows), key=VRANK.__getitem__)
        camels = [t.camel for t in group]
        if len(set(camels)) != len(camels):
            raise SystemExit(f"duplicate {what} CamelName")


def link_tags(tags, enums, masks, log):
    by_name = {t.name: t for t in tags}
    for e in enums:
        wanted = []
        if e.name in by_name:
            wanted.append(e.name)
        wanted += EXTRA_ENUM_TAGS.get(e.name, [])
        for w in wanted:
            if w not in by_name:
                raise SystemExit(f"enumeration {e.name}: no tag named {w!r}")
        e.tags = sorted((by_name[w] for w in wanted), key=lambda t: t.value)
        if not e.tags:
            log.append(f"enumeration '{e.name}' has no tag")
    used = {}
    for e in enums:
        for t in e.tags:
            if t.value in used:
                raise SystemExit(f"tag {t.name} linked to {used[t.value]} and {e.name}")
            used[t.value] = e.name
    for m in masks:
        wanted = MASK_TAGS.get(m.name)
        if not wanted:
            raise SystemExit(f"mask {m.name}: no tag list")
        for w in wanted:
            if w not in by_name:
                raise SystemExit(f"mask {m.name}: no tag named {w!r}")
        m.tags = sorted((by_name[w] for w in wanted), key=lambda t: t.value)


# ---------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------
SOURCES = ("OASIS KMIP Specification 1.1, 1.4 and 2.1 (OASIS Standards), read from "
           + ", ".join(SPEC_FILES[d] for d in ("1.1", "1.4", "2.1")))


def header(what, legend):
    return [
        f"// GENERATED FILE - do not edit. {what} of KMIP 1.0-1.4 and 2.0-2.1.",
        "// Generated by kmip/spec/gen_spec_tables.py from " + SOURCES + ".",
        "// `since` comes from the evidence tables in that script; see kmip/spec/README.md.",
    ] + legend + [""]


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tail(comments):
    return ("  // " + "; ".join(comments)) if comments else ""


def render_tags(tags):
    out = header("Tags", ["// KMIP_TAG(cpp_name, value, \"Spec Name\", \"CamelName\", since)"])
    for t in tags:
        out.append(f"KMIP_TAG({t.cpp}, 0x{t.value:06X}, {q(t.name)}, {q(t.camel)}, {t.since})"
                   + tail(t.comments))
    return "\n".join(out) + "\n"


def render_enums(enums):
    out = header("Enumerations", [
        "// KMIP_ENUM(cpp_enum, \"Spec Name\", \"CamelName\", since)            opens an enumeration",
        "// KMIP_ENUM_VALUE(cpp_enum, cpp_value, value, \"Spec Name\", \"CamelName\", since)",
        "// KMIP_ENUM_END(cpp_enum)",
        "// KMIP_ENUM_TAG(cpp_enum, cpp_tag)                                 a tag whose Enumeration items use it",
    ])
    for e in sorted(enums, key=lambda e: (e.name.casefold(), e.name)):
        out.append(f"KMIP_ENUM({e.cpp}, {q(e.name)}, {q(e.camel)}, {e.since})")
        for r in e.rows:
            out.append(f"KMIP_ENUM_VALUE({e.cpp}, {r.cpp}, 0x{r.value:08X}, {q(r.name)}, {q(r.camel)}, "
                       f"{r.since})" + tail(r.comments))
        out.append(f"KMIP_ENUM_END({e.cpp})")
        for t in e.tags:
            out.append(f"KMIP_ENUM_TAG({e.cpp}, {t.cpp})")
        out.append("")
    return "\n".join(out)


def render_masks(masks):
    out = header("Bit masks", [
        "// KMIP_MASK(cpp_mask, \"Spec Name\", \"CamelName\", since)",
        "// KMIP_MASK_BIT(cpp_mask, cpp_bit, value, \"Spec Name\", \"CamelName\", since)",
        "// KMIP_MASK_END(cpp_mask)",
        "// KMIP_MASK_TAG(cpp_mask, cpp_tag)                                 a tag that carries this mask",
    ])
    for m in sorted(masks, key=lambda m: (m.name.casefold(), m.name)):
        out.append(f"KMIP_MASK({m.cpp}, {q(m.name)}, {q(m.camel)}, {m.since})")
        for r in m.rows:
            out.append(f"KMIP_MASK_BIT({m.cpp}, {r.cpp}, 0x{r.value:08X}, {q(r.name)}, {q(r.camel)}, "
                       f"{r.since})" + tail(r.comments))
        out.append(f"KMIP_MASK_END({m.cpp})")
        for t in m.tags:
            out.append(f"KMIP_MASK_TAG({m.cpp}, {t.cpp})")
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------
# Optional cross-check against the third-party JSON tables
# ---------------------------------------------------------------------------------------------------
def cross_check(json_dir, tags, enums, masks):
    notes = []

    def num(x):
        return int(x, 16) if isinstance(x, str) else int(x)

    j14 = json.load(open(os.path.join(json_dir, "kmip_1_4.json"), encoding="utf-8"))
    j20 = json.load(open(os.path.join(json_dir, "kmip_2_0_additions.json"), encoding="utf-8"))
    tag_by_value = {t.value: t for t in tags}
    for src, data in (("kmip_1_4.json", j14), ("kmip_2_0_additions.json", j20)):
        for n, v in data["tags"].items():
            t = tag_by_value.get(num(v))
            if t is None:
                notes.append(f"{src}: tag {n!r} {num(v):#x} not in the spec texts")
            elif clean(n) != t.name:
                notes.append(f"{src}: tag {num(v):#x} named {n!r}, spec {t.name!r}")
        for kind, group in (("enums", enums), ("masks", masks)):
            ours = {t.name: t for t in group}
            for e in data[kind]:
                t = ours.get(e["name"])
                if t is None:
                    notes.append(f"{src}: {kind[:-1]} {e['name']!r} not generated")
                    continue
                rows = {r.value: r for r in t.rows}
                for n, v in e.get("values", {}).items():
                    r = rows.get(num(v))
                    if r is None:
                        notes.append(f"{src}: {e['name']} {n!r} {num(v):#x} not in the spec texts")
                    elif clean(n) != r.name:
                        notes.append(f"{src}: {e['name']} {num(v):#x} named {n!r}, spec {r.name!r}")
                json_tags = sorted(e.get("tags", []))
                gen_tags = sorted(x.name for x in t.tags)
                if json_tags != gen_tags:
                    notes.append(f"{src}: {e['name']} used by tags {json_tags}, generated {gen_tags}")
    # 2.0 / 2.1 boundary: values first printed in 2.1 that the 2.0 additions do not list.
    j20e = {e["name"]: {num(v) for v in e.get("values", {}).values()} for e in j20["enums"] + j20["masks"]}
    for group in (enums, masks):
        for t in group:
            for r in t.rows:
                if r.since == "v2_0" and r.value not in j20e.get(t.name, set()):
                    notes.append(f"v2_0 without kmip_2_0_additions.json support: {t.name} {r.name!r} {r.value:#x}")
                if r.since == "v2_1" and r.value in j20e.get(t.name, set()):
                    notes.append(f"v2_1 but listed by kmip_2_0_additions.json: {t.name} {r.name!r}")
    return notes


# ---------------------------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("spec_dir")
    ap.add_argument("--json-dir")
    ap.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)

    docs = {d: parse_spec(os.path.join(args.spec_dir, f), d) for d, f in SPEC_FILES.items()}
    tags, enums, masks = build(docs)
    log = []
    for t in tags:
        t.camel = camel(t.name)
    assign_names(tags, enums, masks, log)
    link_tags(tags, enums, masks, log)

    files = {
        "tags.def": render_tags(tags),
        "enums.def": render_enums(enums),
        "masks.def": render_masks(masks),
    }
    for line in log:
        print("note:", line, file=sys.stderr)
    if args.json_dir:
        for line in cross_check(args.json_dir, tags, enums, masks):
            print("json:", line, file=sys.stderr)
    counts = {v: sum(1 for t in tags if t.since == v) for v in VERSIONS}
    print(f"tags {len(tags)} {counts}; enumerations {len(enums)} with "
          f"{sum(len(e.rows) for e in enums)} values; masks {len(masks)} with "
          f"{sum(len(m.rows) for m in masks)} bits", file=sys.stderr)

    status = 0
    for name, text in files.items():
        path = os.path.join(args.out_dir, name)
        if args.check:
            try:
                old = open(path, encoding="utf-8").read()
            except FileNotFoundError:
                old = None
            if old != text:
                print(f"{path} is out of date", file=sys.stderr)
                status = 1
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
    return status


if __name__ == "__main__":
    sys.exit(main())
