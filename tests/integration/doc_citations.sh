#!/bin/sh
# Comments cite the repository's docs/, never notes a clone does not have
# (the design notes the project started from; a bench may still default
# to ../shared/vendor for sources Debian lacks); and every
# `docs/NAME.md, "Heading"` names a real file and one of its headings,
# also when a comment breaks it over lines.
set -u
cd "${QSCAN_SRC:?run through meson test}" || exit 1
rc=0
files=$(git ls-files '*.[ch]' '*.sh' '*meson.build' '*.py' '*.profile' \
    '*.rules' '*.conf' 2>/dev/null || find . -name '*.[ch]' -o -name '*.sh')
# shellcheck disable=SC2086
if grep -nE 'DESIGN [0-9]|DESIGN\.md|SANDBOX-NOTES|REFERENCE [0-9]|REFERENCE\.md|STYLE\.md|\.\./shared/[A-Z]' $files |
    grep -v '^tests/integration/doc_citations.sh:'; then
	echo "FAIL: citations of notes outside the repository (above)"
	rc=1
fi
# shellcheck disable=SC2086
python3 - $files <<'EOF' || rc=1
import os, re, sys
bad = 0
seen = 0
for f in sys.argv[1:]:
    text = open(f, encoding='utf-8', errors='replace').read()
    # one line per comment run, leaders dropped, so a citation broken
    # over two lines reads as one
    joined = re.sub(r'\n[ \t]*(\*|#)?[ \t]*', ' ', text)
    for m in re.finditer(r'docs/([a-z_]+\.md),((?:\s*(?:and\s+)?"[^"]+",?)+)', joined):
        doc = 'docs/' + m.group(1)
        if not os.path.exists(doc):
            print(f'FAIL: {f}: {doc} does not exist'); bad += 1; continue
        have = {re.sub(r'^#+\s*', '', l).strip() for l in open(doc) if l.startswith('#')}
        for h in re.findall(r'"([^"]+)"', m.group(2)):
            seen += 1
            if h not in have:
                print(f'FAIL: {f}: {doc} has no heading "{h}"'); bad += 1
print(f'{seen} citations of docs/ headings, {bad} wrong')
sys.exit(1 if bad or seen == 0 else 0)
EOF
[ "$rc" = 0 ] && echo "ok: comments cite docs/ only, every cited heading exists"
exit $rc
