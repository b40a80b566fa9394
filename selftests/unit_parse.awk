# SPDX-License-Identifier: GPL-2.0
# What systemd makes of a unit's lines, for selftests/unit_lib.sh: one
# result a line on stdout. Anything systemd would read in a way this does
# not reproduce is refused (exit 2, the reason on stderr) rather than
# guessed, so a unit that grows such a thing fails its test.
#
#   awk -v mode=exec -f unit_parse.awk     ExecStart= value on stdin: the
#       argv, variables from the environment (ENVIRON): "$NAME" alone as a
#       word becomes its value split at whitespace, "${NAME}" its value as
#       is, "$$" a "$"; quotes group, C escapes, "%%" a "%"
#   awk -v mode=assign -f unit_parse.awk   Environment= value: its
#       KEY=VALUE words (quotes, escapes, no variables)
#   awk -v mode=envfile -f unit_parse.awk FILE   EnvironmentFile=: its
#       KEY=VALUE lines; "#" and ";" comments, values unquoted
#   awk -v mode=service -v key=KEY -f unit_parse.awk UNIT   the values of
#       KEY= in [Service], in order; -v keys="A B" refuses a [Service] key
#       outside that list

function refuse(why) {
	print "unit_parse: " why > "/dev/stderr"
	failed = 1
	exit 2
}

function unescape(s, i,    c) {
	c = substr(s, i, 1)
	if (c == "n") return "\n"
	if (c == "t") return "\t"
	if (c == "s") return " "
	if (c == "\\" || c == "\"" || c == "\047") return c
	refuse("escape \\" c " is not reproduced")
}

function is_name(c) { return c ~ /[A-Za-z0-9_]/ }

# Splits s into words[1..n] as systemd does; returns n. With expand,
# variables are substituted (a lone unquoted $NAME word splits).
function split_words(s, expand,    n, i, c, q, word, inword, lone, name, j, v, k, parts, m) {
	n = 0
	q = ""
	inword = 0
	for (i = 1; i <= length(s) + 1; i++) {
		c = i <= length(s) ? substr(s, i, 1) : ""
		if (q == "" && (c == "" || c == " " || c == "\t")) {
			if (!inword)
				continue
			if (lone != "" && lone != "-") {
				m = split(ENVIRON[lone], parts, /[ \t\n]+/)
				for (k = 1; k <= m; k++)
					if (parts[k] != "")
						words[++n] = parts[k]
			} else {
				words[++n] = word
			}
			word = ""
			inword = 0
			lone = ""
			continue
		}
		if (!inword) {
			inword = 1
			lone = ""
		}
		if (c == "\\") {
			word = word unescape(s, ++i)
			lone = "-"
			continue
		}
		if (q == "" && (c == "\"" || c == "\047")) {
			q = c
			lone = "-"
			continue
		}
		if (q != "" && c == q) {
			q = ""
			continue
		}
		if (c == "%") {
			if (substr(s, i + 1, 1) != "%")
				refuse("specifier %" substr(s, i + 1, 1) " is not reproduced")
			word = word "%"
			i++
			continue
		}
		if (expand && c == "$") {
			c = substr(s, i + 1, 1)
			if (c == "$") {
				word = word "$"
				i++
				lone = "-"
				continue
			}
			if (c == "{") {
				j = index(substr(s, i + 2), "}")
				if (!j)
					refuse("unterminated ${ in: " s)
				word = word ENVIRON[substr(s, i + 2, j - 1)]
				i += j + 1
				lone = "-"
				continue
			}
			if (is_name(c)) {
				for (j = i + 1; j <= length(s) && is_name(substr(s, j, 1)); j++)
					;
				name = substr(s, i + 1, j - i - 1)
				nextc = substr(s, j, 1)
				if (q != "" || word != "" || lone != "" || (nextc != "" && nextc != " " && nextc != "\t"))
					refuse("$" name " inside a word or quotes is not reproduced")
				lone = name
				i = j - 1
				continue
			}
		}
		if (lone != "" && lone != "-")
			refuse("$" lone " inside a word is not reproduced")
		word = word c
		if (lone == "")
			lone = "-"
	}
	if (q != "")
		refuse("unterminated quote in: " s)
	return n
}

function envfile_line(line,    key, val, eq) {
	sub(/^[ \t]+/, "", line)
	if (line == "" || line ~ /^[#;]/)
		return
	if (line ~ /\\$/)
		refuse(FILENAME ": a continued line is not reproduced")
	eq = index(line, "=")
	if (!eq)
		refuse(FILENAME ": not KEY=VALUE: " line)
	key = substr(line, 1, eq - 1)
	sub(/[ \t]+$/, "", key)
	val = substr(line, eq + 1)
	sub(/^[ \t]+/, "", val)
	sub(/[ \t]+$/, "", val)
	if (val ~ /^".*"$/ && length(val) >= 2) {
		val = substr(val, 2, length(val) - 2)
		if (val ~ /\\/)
			refuse(FILENAME ": escapes in a quoted value are not reproduced")
	} else if (val ~ /^'.*'$/ && length(val) >= 2) {
		val = substr(val, 2, length(val) - 2)
	} else if (val ~ /["'\\]/) {
		refuse(FILENAME ": quotes or backslashes inside a value are not reproduced")
	}
	print key "=" val
}

BEGIN {
	if (mode == "exec" || mode == "assign") {
		getline line
		n = split_words(line, mode == "exec")
		for (i = 1; i <= n; i++) {
			if (mode == "assign" && words[i] !~ /^[A-Za-z_][A-Za-z0-9_]*=/)
				refuse("Environment= word is not KEY=VALUE: " words[i])
			if (words[i] ~ /\n/)
				refuse("a word with a newline is not reproduced")
			print words[i]
		}
		exit 0
	}
	if (mode != "envfile" && mode != "service")
		refuse("mode=exec, assign, envfile or service")
	nkeys = split(keys, allowed, " ")
	for (i = 1; i <= nkeys; i++)
		ok[allowed[i]] = 1
}

mode == "envfile" { envfile_line($0) }

mode == "service" && /^[ \t]*\[/ { section = $0; gsub(/[ \t]/, "", section); next }
mode == "service" && section == "[Service]" && !/^[ \t]*([#;]|$)/ {
	if ($0 ~ /\\$/)
		refuse("a continued line is not reproduced: " $0)
	eq = index($0, "=")
	k = substr($0, 1, eq - 1)
	gsub(/[ \t]/, "", k)
	if (nkeys && !(k in ok))
		refuse("[Service] " k "= is not reproduced by this runner")
	if (k == key) {
		v = substr($0, eq + 1)
		sub(/^[ \t]+/, "", v)
		sub(/[ \t]+$/, "", v)
		print v
	}
}

END {
	if (failed)
		exit 2
}
