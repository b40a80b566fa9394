#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate the code of the netlink family "snap" from its one description,
Documentation/netlink/specs/snap.yaml (the kernel's YNL spec format,
genetlink-legacy).

    scripts/nlgen.py [--spec FILE] [--out DIR] [--list]

writes, under DIR (default: the top of the tree), every file of OUTPUTS:

- include/uapi/linux/snap_nl_gen.h: the family's name, version and
  multicast groups, the constants, the enums of definitions, the attribute
  and command enums (included by include/uapi/linux/snap.h);
- kmod/genl-gen.[ch]: one strict nla_policy per operation, listing exactly
  the attributes of its request with their types, lengths and ranges; the
  operations table (handlers named after the operations, admin permission
  from the spec's flags) and the multicast groups;
- userspace/lib/nl-gen.[ch]: names and types of every attribute and
  command, and libnl's policy for parsing what the kernel sends.

A file is rewritten only when its text changes. --list prints the paths.
Naming follows Documentation/userspace-api/netlink/c-code-gen.rst of the
kernel, with two additions: enums of definitions may name their max entry
(enum-max-name), and attribute and command enums start with an UNSPEC 0.
Upstream ynl's max-len counts the bytes before a string's NUL; the spec
writes "name-max - 1" where its constant counts the NUL.
"""
import argparse
import os
import re
import sys

import yaml

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
SPEC = 'Documentation/netlink/specs/snap.yaml'
ME = 'scripts/nlgen.py'

UAPI_H = 'include/uapi/linux/snap_nl_gen.h'
KERN_H = 'kmod/genl-gen.h'
KERN_C = 'kmod/genl-gen.c'
USER_H = 'userspace/lib/nl-gen.h'
USER_C = 'userspace/lib/nl-gen.c'
OUTPUTS = [UAPI_H, KERN_H, KERN_C, USER_H, USER_C]

SCALARS = {'u8': 8, 'u16': 16, 'u32': 32, 'u64': 64}


class SpecError(Exception):
    pass


def c_upper(name):
    return name.upper().replace('-', '_')


def c_lower(name):
    return name.lower().replace('-', '_')


def block_comment(text, width):
    """text as a C comment of lines at most width wide."""
    words = text.split()
    if len(text) + 6 <= width:
        return [f'/* {text} */']
    lines, cur = ['/*'], ' *'
    for w in words:
        if len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = ' *'
        cur += ' ' + w
    return lines + [cur, ' */']


def with_comment(line, comment, col, indent):
    """line with comment after it at col, or above it when too long."""
    if not comment:
        return [line]
    trailing = f'{line}{tabs_to(line, col)}/* {comment} */'
    if len(trailing.expandtabs()) <= 80:
        return [trailing]
    return [indent + c for c in block_comment(comment, 80 - 8 * len(indent))] + [line]


def tabs_to(text, col):
    """Tabs that take text (starting at a tab stop) to column col."""
    width = len(text.expandtabs())
    n = max(1, (col - width + 7) // 8)
    return '\t' * n


class Limit:
    """A number from the spec: a literal, or a constant, optionally "- 1"."""

    def __init__(self, family, raw, what):
        if isinstance(raw, bool):
            raise SpecError(f'{what}: {raw!r} is not a number')
        if isinstance(raw, int):
            self.value = raw
            self.c = None
            return
        m = re.fullmatch(r'([a-z0-9-]+)( - 1)?', str(raw))
        if not m or m.group(1) not in family.consts:
            raise SpecError(f'{what}: {raw!r} is neither a number nor a constant')
        const = family.consts[m.group(1)]
        self.value = const.value - (1 if m.group(2) else 0)
        self.c = const.c_name + (' - 1' if m.group(2) else '')

    def c_str(self):
        if self.c:
            return self.c
        if self.value > 0xfffff:
            return f'0x{self.value:x}'
        return str(self.value)


class Const:
    def __init__(self, family, d):
        self.name = d['name']
        self.value = d['value']
        if not isinstance(self.value, (int, str)) or isinstance(self.value, bool):
            raise SpecError(f'const {self.name}: value must be a number or a string')
        self.c_name = c_upper(d.get('c-define-name', f'{family.name}-{self.name}'))
        self.doc = d.get('doc', '').strip()


class Enum:
    def __init__(self, family, d):
        self.name = d['name']
        if d['type'] != 'enum':
            raise SpecError(f'definition {self.name}: type {d["type"]} not supported')
        self.c_name = d.get('enum-name', c_lower(f'{family.name}-{self.name}'))
        prefix = d.get('name-prefix', f'{family.name}-{self.name}-')
        self.entries = []
        value = d.get('value-start', 0)
        for e in d['entries']:
            if isinstance(e, dict):
                ename, value, doc = e['name'], e.get('value', value), e.get('doc', '')
            else:
                ename, doc = e, ''
            if not isinstance(ename, str):
                raise SpecError(f'enum {self.name}: entry {ename!r} is not a name '
                                '(quote it)')
            self.entries.append((c_upper(prefix + ename), value, doc.strip()))
            value += 1
        self.render_max = d.get('render-max', False)
        self.cnt_name = c_upper(d.get('enum-cnt-name', f'__{prefix}max'))
        self.max_name = c_upper(d.get('enum-max-name', f'{prefix}max'))
        self.max_value = max(v for _, v, _ in self.entries)
        self.doc = d.get('doc', '').strip()


class Attr:
    def __init__(self, family, aset, d, value):
        self.name = d['name']
        self.type = d['type']
        self.value = value
        self.c_name = c_upper(aset.prefix + self.name)
        self.doc = d.get('doc', '').strip()
        self.checks = {}
        what = f'attribute {self.name}'
        if self.type not in ('pad', 'flag', 'string', 'binary', 'nest') and \
           self.type not in SCALARS:
            raise SpecError(f'{what}: type {self.type} not supported')
        for key, raw in d.get('checks', {}).items():
            if key not in ('min', 'max', 'max-len', 'exact-len'):
                raise SpecError(f'{what}: check {key} not supported')
            self.checks[key] = Limit(family, raw, f'{what}: {key}')
        if ('min' in self.checks or 'max' in self.checks) and self.type not in SCALARS:
            raise SpecError(f'{what}: min and max apply to integers only')
        if 'max-len' in self.checks and self.type not in ('string', 'binary'):
            raise SpecError(f'{what}: max-len applies to strings and binaries')
        if 'exact-len' in self.checks and self.type != 'binary':
            raise SpecError(f'{what}: exact-len applies to binaries only')
        self.enum = None
        if 'enum' in d:
            if d['enum'] not in family.enums:
                raise SpecError(f'{what}: no enum {d["enum"]}')
            if self.type not in SCALARS:
                raise SpecError(f'{what}: an enum needs an integer type')
            self.enum = family.enums[d['enum']]
        if self.type in SCALARS:
            bits = SCALARS[self.type]
            for key, lim in self.checks.items():
                if not 0 <= lim.value < (1 << bits):
                    raise SpecError(f'{what}: {key} {lim.value} outside {self.type}')
            if 'min' in self.checks and 'max' in self.checks and \
               self.checks['min'].value > self.checks['max'].value:
                raise SpecError(f'{what}: min above max')

    def doc_comment(self):
        text = self.type
        if self.enum:
            text += f': enum {self.enum.c_name}'
        if self.doc:
            text += ': ' + self.doc
        return text


class AttrSet:
    def __init__(self, family, d):
        self.name = d['name']
        if 'name-prefix' in d:
            self.prefix = d['name-prefix']
        elif self.name == family.name:
            self.prefix = f'{family.name}-a-'
        else:
            self.prefix = f'{family.name}-a-{self.name}-'
        self.c_name = d.get('enum-name')
        self.cnt_name = c_upper(d.get('attr-cnt-name', f'__{self.prefix}max'))
        self.max_name = c_upper(d.get('attr-max-name', f'{self.prefix}max'))
        self.unspec = c_upper(self.prefix + 'unspec')
        self.doc = d.get('doc', '').strip()
        self.attrs = []
        self.by_name = {}
        value = 1
        for a in d['attributes']:
            if 'value' in a:
                if a['value'] < value:
                    raise SpecError(f'attribute {a["name"]}: value {a["value"]} reused')
                value = a['value']
            attr = Attr(family, self, a, value)
            if attr.name in self.by_name:
                raise SpecError(f'attribute {attr.name} twice')
            self.attrs.append(attr)
            self.by_name[attr.name] = attr
            value += 1
        self.max_value = value - 1


class Op:
    def __init__(self, family, d, value):
        self.name = d['name']
        self.value = value
        self.c_name = c_upper(family.ops_prefix + self.name)
        self.c_lower = c_lower(f'{family.name}-{self.name}')
        self.doc = ' '.join(d.get('doc', '').split())
        self.admin = 'admin-perm' in d.get('flags', [])
        self.has_do = 'do' in d
        self.has_dump = 'dump' in d
        self.event = 'event' in d
        self.event_group = d.get('mcgrp')
        aset = family.attr_sets[d.get('attribute-set', family.name)]
        if aset is not family.attr_set:
            raise SpecError(f'operation {self.name}: one attribute set only')
        req = None
        for mode in ('do', 'dump'):
            if mode not in d or 'request' not in d[mode]:
                continue
            names = d[mode]['request'].get('attributes', [])
            # genl_ops has one policy for doit and dumpit.
            if req is not None and set(req) != set(names):
                raise SpecError(f'operation {self.name}: do and dump requests differ')
            req = names
        self.request = []
        for n in req or []:
            if n not in aset.by_name:
                raise SpecError(f'operation {self.name}: no attribute {n}')
            attr = aset.by_name[n]
            if attr.type in ('pad', 'nest'):
                raise SpecError(f'operation {self.name}: {n} cannot be in a request')
            self.request.append(attr)
        self.policy = f'{self.c_lower}_nl_policy' if (self.has_do or self.has_dump) else None
        ident = c_lower(f'{family.name}-nl-{self.name}')
        self.doit = f'{ident}_doit' if self.has_do else None
        self.dumpit = f'{ident}_dumpit' if self.has_dump else None
        # Hooks run before the handler: a dump's start.
        self.start = c_lower(d['dump']['pre']) if self.has_dump and 'pre' in d['dump'] else None
        if self.has_do and 'pre' in d['do']:
            raise SpecError(f'operation {self.name}: the family has one pre_doit')


class Family:
    def __init__(self, spec):
        self.spec = spec
        self.name = spec['name']
        if spec.get('protocol') != 'genetlink-legacy':
            raise SpecError('protocol must be genetlink-legacy')
        self.c_family_name = c_upper(spec.get('c-family-name', f'{self.name}-family-name'))
        self.c_version_name = c_upper(spec.get('c-version-name',
                                               f'{self.name}-family-version'))
        self.version = spec.get('version', 1)
        self.consts = {}
        self.enums = {}
        self.definitions = []
        for d in spec.get('definitions', []):
            if d['name'] in self.consts or d['name'] in self.enums:
                raise SpecError(f'definition {d["name"]} twice')
            if d['type'] == 'const':
                item = self.consts[d['name']] = Const(self, d)
            else:
                item = self.enums[d['name']] = Enum(self, d)
            self.definitions.append(item)
        self.attr_sets = {}
        for d in spec['attribute-sets']:
            self.attr_sets[d['name']] = AttrSet(self, d)
        if len(self.attr_sets) != 1:
            raise SpecError('exactly one attribute set is supported')
        self.attr_set = next(iter(self.attr_sets.values()))
        ops = spec['operations']
        self.ops_prefix = ops.get('name-prefix', f'{self.name}-cmd-')
        self.ops_c_name = ops.get('enum-name')
        self.ops_unspec = c_upper(self.ops_prefix + 'unspec')
        self.ops_cnt_name = c_upper(ops.get('cmd-cnt-name', f'__{self.ops_prefix}max'))
        self.ops_max_name = c_upper(ops.get('cmd-max-name', f'{self.ops_prefix}max'))
        self.ops = []
        value = 1
        for d in ops['list']:
            if 'value' in d:
                if d['value'] < value:
                    raise SpecError(f'operation {d["name"]}: value {d["value"]} reused')
                value = d['value']
            self.ops.append(Op(self, d, value))
            value += 1
        self.ops_max_value = value - 1
        self.mcgrps = []
        for g in spec.get('mcast-groups', {}).get('list', []):
            define = c_upper(g.get('c-define-name', f'{self.name}-mcgrp-{g["name"]}'))
            self.mcgrps.append((define, g['name']))
        for op in self.ops:
            if op.event and op.event_group not in [g for _, g in self.mcgrps]:
                raise SpecError(f'operation {op.name}: no multicast group {op.event_group}')


BANNER = f'/* Generated from {SPEC} by {ME}: do not edit. */'


# ---- include/uapi/linux/snap_nl_gen.h ----

def render_uapi(f):
    guard = '_UAPI_LINUX_SNAP_NL_GEN_H'
    out = ['/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */',
           BANNER,
           '',
           f'#ifndef {guard}',
           f'#define {guard}',
           '',
           f'#define {f.c_family_name}\t\t"{f.name}"',
           f'#define {f.c_version_name}\t{f.version}']
    for define, name in f.mcgrps:
        out.append(f'#define {define}\t"{name}"')
    consts = [d for d in f.definitions if isinstance(d, Const)]
    if consts:
        out.append('')
        for c in consts:
            val = f'"{c.value}"' if isinstance(c.value, str) else str(c.value)
            line = f'#define {c.c_name}{tabs_to("#define " + c.c_name, 24)}{val}'
            out += with_comment(line, c.doc, 32, '')
    out.append('')

    def enum_block(c_name, doc, unspec, entries, cnt, mx):
        lines = []
        if doc:
            lines += ['/*', f' * {doc}', ' */'] if len(doc) > 70 else [f'/* {doc} */']
        lines.append(f'enum {c_name} {{' if c_name else 'enum {')
        if unspec:
            lines.append(f'\t{unspec},')
        expect = 1 if unspec else None
        for name, value, comment in entries:
            text = f'\t{name}'
            if expect is None and value != 0 or expect is not None and value != expect:
                text += f' = {value}'
            text += ','
            lines += with_comment(text, comment, 40, '\t')
            expect = value + 1
        if cnt:
            lines += ['', f'\t{cnt},', f'\t{mx} = {cnt} - 1']
        lines += ['};', '']
        return lines

    for e in f.definitions:
        if not isinstance(e, Enum):
            continue
        out += enum_block(e.c_name, e.doc, None, e.entries,
                          e.cnt_name if e.render_max else None, e.max_name)

    ops = [(op.c_name, op.value, op.doc if len(op.doc) <= 40 else '') for op in f.ops]
    out += enum_block(f.ops_c_name, 'Commands: requests, replies and events',
                      f.ops_unspec, ops, f.ops_cnt_name, f.ops_max_name)
    aset = f.attr_set
    attrs = [(a.c_name, a.value, a.doc_comment()) for a in aset.attrs]
    out += enum_block(aset.c_name, aset.doc.capitalize() if aset.doc else '',
                      aset.unspec, attrs, aset.cnt_name, aset.max_name)
    out.append(f'#endif /* {guard} */')
    return '\n'.join(out) + '\n'


# ---- kmod/genl-gen.[ch] ----

S16_MIN, S16_MAX = -(1 << 15), (1 << 15) - 1


def nla_type(attr):
    return f'NLA_{attr.type.upper()}'


def range_name(attr):
    return f'{c_lower(attr.c_name)}_range'


def needs_range_struct(attr):
    """6.1 keeps a policy's min and max in s16: wider ranges need a struct."""
    if attr.type not in SCALARS or attr.enum:
        return False
    lo = attr.checks.get('min')
    hi = attr.checks.get('max')
    if not lo and not hi:
        return False
    return any(lim and not S16_MIN <= lim.value <= S16_MAX for lim in (lo, hi))


def kernel_policy(attr):
    t = nla_type(attr)
    if attr.type == 'flag':
        return '{ .type = NLA_FLAG, }'
    if attr.type == 'string':
        lim = attr.checks.get('max-len')
        return '{ .type = NLA_NUL_STRING, ' + \
            (f'.len = {lim.c_str()}, ' if lim else '') + '}'
    if attr.type == 'binary':
        if 'exact-len' in attr.checks:
            return f'NLA_POLICY_EXACT_LEN({attr.checks["exact-len"].c_str()})'
        lim = attr.checks.get('max-len')
        return '{ .type = NLA_BINARY, ' + (f'.len = {lim.c_str()}, ' if lim else '') + '}'
    # integers
    if attr.enum:
        if 'max' in attr.checks or 'min' in attr.checks:
            raise SpecError(f'attribute {attr.name}: an enum sets its own range')
        if not attr.enum.render_max:
            return f'NLA_POLICY_MAX({t}, {attr.enum.max_value})'
        return f'NLA_POLICY_MAX({t}, {attr.enum.max_name})'
    lo = attr.checks.get('min')
    hi = attr.checks.get('max')
    if needs_range_struct(attr):
        return f'NLA_POLICY_FULL_RANGE({t}, &{range_name(attr)})'
    if lo and hi:
        return f'NLA_POLICY_RANGE({t}, {lo.c_str()}, {hi.c_str()})'
    if hi:
        return f'NLA_POLICY_MAX({t}, {hi.c_str()})'
    if lo:
        return f'NLA_POLICY_MIN({t}, {lo.c_str()})'
    return f'{{ .type = {t}, }}'


def render_kernel_h(f):
    guard = '_SNAP_GENL_GEN_H'
    aset = f.attr_set
    out = ['/* SPDX-License-Identifier: GPL-2.0 */',
           BANNER,
           '',
           f'#ifndef {guard}',
           f'#define {guard}',
           '',
           '#include <net/genetlink.h>',
           '',
           '#include <linux/snap.h>',
           '',
           '/* Per command: the attributes its request may carry, and their checks. */']
    for op in f.ops:
        if op.policy:
            out.append(f'extern const struct nla_policy {op.policy}[{aset.max_name} + 1];')
    out += ['', '/* The handlers of kmod/genl.c. */']
    starts = []
    for op in f.ops:
        if op.start and op.start not in starts:
            starts.append(op.start)
    for start in starts:
        out.append(f'int {start}(struct netlink_callback *cb);')
    for op in f.ops:
        if op.doit:
            out.append(f'int {op.doit}(struct sk_buff *skb, struct genl_info *info);')
        if op.dumpit:
            out.append(f'int {op.dumpit}(struct sk_buff *skb, struct netlink_callback *cb);')
    out += ['', '/* Indexes of snap_nl_mcgrps: the group argument of genlmsg_multicast(). */',
            'enum {']
    for define, name in f.mcgrps:
        out.append(f'\t{c_upper(f.name + "-nlgrp-" + name)},')
    out += ['};', '',
            f'extern const struct genl_ops {f.name}_nl_ops[{len(kernel_ops(f))}];',
            f'extern const struct genl_multicast_group {f.name}_nl_mcgrps[{len(f.mcgrps)}];',
            '/* The spec\'s command names, for the kernel log. */',
            f'extern const char *const {f.name}_nl_cmd_names[{f.ops_max_name} + 1];',
            '', f'#endif /* {guard} */']
    return '\n'.join(out) + '\n'


def kernel_ops(f):
    return [op for op in f.ops if op.doit or op.dumpit]


def render_kernel_c(f):
    aset = f.attr_set
    out = ['// SPDX-License-Identifier: GPL-2.0',
           BANNER,
           '',
           '#include "genl-gen.h"',
           '']
    used = []
    for op in f.ops:
        for a in op.request:
            if needs_range_struct(a) and a not in used:
                used.append(a)
    if used:
        out.append("/* Ranges that do not fit the policy's s16 min and max. */")
        for a in used:
            lo = a.checks.get('min')
            hi = a.checks.get('max')
            out.append(f'static struct netlink_range_validation {range_name(a)} = {{')
            if lo:
                out.append(f'\t.min = {lo.c_str()},')
            out.append(f'\t.max = {hi.c_str() if hi else "U" + str(SCALARS[a.type]) + "_MAX"},')
            out += ['};', '']
    for op in f.ops:
        if not op.policy:
            continue
        out.append(f'/* {op.c_name} */')
        out.append(f'const struct nla_policy {op.policy}[{aset.max_name} + 1] = {{')
        for a in op.request:
            out.append(f'\t[{a.c_name}] = {kernel_policy(a)},')
        out += ['};', '']
    ops = kernel_ops(f)
    out.append(f'const struct genl_ops {f.name}_nl_ops[{len(ops)}] = {{')
    for op in ops:
        out.append('\t{')
        fields = [('cmd', op.c_name), ('doit', op.doit), ('start', op.start),
                  ('dumpit', op.dumpit), ('policy', op.policy),
                  ('maxattr', aset.max_name),
                  ('flags', 'GENL_ADMIN_PERM' if op.admin else None)]
        for name, value in fields:
            if value:
                field = f'\t\t.{name}'
                out.append(f'{field}{tabs_to(field, 32)}= {value},')
        out.append('\t},')
    out += ['};', '',
            f'const struct genl_multicast_group {f.name}_nl_mcgrps[] = {{']
    for define, name in f.mcgrps:
        out.append(f'\t[{c_upper(f.name + "-nlgrp-" + name)}] = {{ .name = {define}, }},')
    out += ['};', '',
            f'const char *const {f.name}_nl_cmd_names[{f.ops_max_name} + 1] = {{']
    for op in f.ops:
        out.append(f'\t[{op.c_name}] = "{op.name}",')
    out.append('};')
    return '\n'.join(out) + '\n'


# ---- userspace/lib/nl-gen.[ch] ----

USER_TYPES = [
    ('SNAP_NL_NONE', 'not an attribute of the family'),
    ('SNAP_NL_PAD', 'padding for 64-bit values'),
    ('SNAP_NL_FLAG', 'no payload'),
    ('SNAP_NL_U8', None),
    ('SNAP_NL_U16', None),
    ('SNAP_NL_U32', None),
    ('SNAP_NL_U64', None),
    ('SNAP_NL_STRING', 'NUL-terminated'),
    ('SNAP_NL_BINARY', None),
    ('SNAP_NL_NEST', 'attributes of the same set'),
]


def user_type(attr):
    return 'SNAP_NL_' + attr.type.upper()


def user_len(attr):
    if attr.type == 'string' and 'max-len' in attr.checks:
        lim = attr.checks['max-len']
        # The limit with the NUL, as the SNAP_*_MAX constants give it.
        if lim.c and lim.c.endswith(' - 1'):
            return lim.c[:-4]
        return f'{lim.c_str()} + 1'
    if attr.type == 'binary':
        lim = attr.checks.get('exact-len') or attr.checks.get('max-len')
        return lim.c_str() if lim else '0'
    return '0'


def libnl_policy(attr):
    if attr.type == 'pad':
        return None
    if attr.type == 'string':
        return '{ .type = NLA_STRING }'
    if attr.type == 'binary':
        lim = attr.checks.get('exact-len')
        return f'{{ .type = NLA_UNSPEC, .minlen = {lim.c_str()} }}' if lim else None
    if attr.type == 'nest':
        return '{ .type = NLA_NESTED }'
    return f'{{ .type = NLA_{attr.type.upper()} }}'


def render_user_h(f):
    guard = 'SNAP_LIB_NL_GEN_H'
    aset = f.attr_set
    out = ['/* SPDX-License-Identifier: GPL-2.0 */',
           BANNER,
           f'#ifndef {guard}',
           f'#define {guard}',
           '',
           '#include <stdbool.h>',
           '',
           '#include <linux/snap.h>',
           '',
           '/* What an attribute carries. */',
           'enum snap_nl_type {']
    for name, doc in USER_TYPES:
        line = f'\t{name},'
        if doc:
            line += f'{tabs_to(line, 32)}/* {doc} */'
        out.append(line)
    out += ['};',
            '',
            'struct snap_nl_attr {',
            '\tconst char *name;\t\t/* as in snap.yaml: "bdev-name" */',
            '\tenum snap_nl_type type;',
            '\tunsigned int len;\t\t/* string: limit with the NUL; binary: length */',
            '};',
            '',
            'struct snap_nl_cmd {',
            '\tconst char *name;\t\t/* as in snap.yaml: "bdev-new" */',
            '\tbool admin;\t\t\t/* needs CAP_NET_ADMIN */',
            '\tbool do_req;\t\t\t/* a request for one object */',
            '\tbool dump;\t\t\t/* a dump request */',
            '\tbool event;\t\t\t/* only ever an event */',
            '\tconst unsigned short *request;\t/* attributes a request may carry, 0-ended */',
            '};',
            '',
            '/* Indexed by SNAP_A_* and SNAP_CMD_*; name NULL where none. */',
            f'extern const struct snap_nl_attr snap_nl_attrs[{aset.max_name} + 1];',
            f'extern const struct snap_nl_cmd snap_nl_cmds[{f.ops_max_name} + 1];',
            '',
            f'#endif /* {guard} */']
    return '\n'.join(out) + '\n'


def render_user_c(f):
    aset = f.attr_set
    out = ['// SPDX-License-Identifier: GPL-2.0',
           BANNER,
           '#include "nl-gen.h"',
           '#include "nl.h"',
           '',
           f'const struct snap_nl_attr snap_nl_attrs[{aset.max_name} + 1] = {{']
    for a in aset.attrs:
        out.append(f'\t[{a.c_name}] = {{ "{a.name}", {user_type(a)}, {user_len(a)} }},')
    out += ['};', '', f'const struct snap_nl_cmd snap_nl_cmds[{f.ops_max_name} + 1] = {{']
    for op in f.ops:
        flags = ', '.join(f'.{k} = true' for k, v in (('admin', op.admin),
                                                         ('do_req', op.has_do),
                                                         ('dump', op.has_dump),
                                                         ('event', op.event)) if v)
        req = ''.join(f'{a.c_name}, ' for a in op.request)
        out.append(f'\t[{op.c_name}] = {{ .name = "{op.name}"' +
                   (f', {flags}' if flags else '') + ',')
        out.append(f'\t\t.request = (const unsigned short[]){{ {req}0 }} }},')
    out += ['};', '',
            '/* What the kernel sends is checked against the types only. */',
            f'struct nla_policy snap_policy[{aset.max_name} + 1] = {{']
    for a in aset.attrs:
        pol = libnl_policy(a)
        if pol:
            out.append(f'\t[{a.c_name}] = {pol},')
    out += ['};']
    return '\n'.join(out) + '\n'


RENDER = {
    UAPI_H: render_uapi,
    KERN_H: render_kernel_h,
    KERN_C: render_kernel_c,
    USER_H: render_user_h,
    USER_C: render_user_c,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--spec', default=os.path.join(TOP, SPEC))
    ap.add_argument('--out', default=TOP, help='top of the tree to write into')
    ap.add_argument('--list', action='store_true', help='print the generated paths')
    args = ap.parse_args()
    if args.list:
        print('\n'.join(OUTPUTS))
        return 0
    try:
        with open(args.spec) as fh:
            family = Family(yaml.safe_load(fh))
        texts = {path: RENDER[path](family) for path in OUTPUTS}
    except (SpecError, KeyError, TypeError) as e:
        print(f'{ME}: {args.spec}: {e}', file=sys.stderr)
        return 1
    for path, text in texts.items():
        dst = os.path.join(args.out, path)
        try:
            with open(dst) as fh:
                if fh.read() == text:
                    continue
        except FileNotFoundError:
            pass
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        tmp = dst + '.tmp'
        with open(tmp, 'w') as fh:
            fh.write(text)
        os.replace(tmp, dst)
    return 0


if __name__ == '__main__':
    sys.exit(main())
