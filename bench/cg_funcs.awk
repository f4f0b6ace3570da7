# Reads one callgrind output file (event Ir only, line positions) and
# prints, per function: calls into it, self instructions, inclusive
# instructions (self plus the inclusive cost of every call it makes, not
# counting calls to itself), tab-separated, then the file's total:
#   <calls> TAB <self> TAB <inclusive> TAB <name>
#   total TAB <instructions>
# and every caller-callee pair:
#   edge TAB <calls> TAB <inclusive cost of those calls> TAB <caller> TAB <callee>
# Used by bench/instr_table.sh; callgrind_annotate prints no call counts.
function name(s,    id, rest) {
    # "(12) name" defines id 12, "(12)" reuses it, "name" is uncompressed.
    if (s ~ /^\([0-9]+\)/) {
        id = s
        sub(/\).*/, "", id)
        sub(/^\(/, "", id)
        rest = s
        sub(/^\([0-9]+\) ?/, "", rest)
        if (rest != "")
            names[id] = rest
        return names[id]
    }
    return s
}
BEGIN { FS = "\n"; fn = ""; pending = 0 }
/^fn=/ { fn = name(substr($0, 4)); next }
/^cfn=/ { cfn = name(substr($0, 5)); next }
/^calls=/ {
    split(substr($0, 7), c, " ")
    ncalls = c[1]
    pending = 1
    next
}
/^(summary|totals): / { split($0, t, " "); total = t[2]; next }
/^[0-9+*-]/ {
    split($0, cl, " ")
    cost = cl[2] + 0
    if (pending) {
        pending = 0
        calls[cfn] += ncalls
        if (cfn != fn)
            incl[fn] += cost
        ecalls[fn SUBSEP cfn] += ncalls
        ecost[fn SUBSEP cfn] += cost
    } else {
        self[fn] += cost
        incl[fn] += cost
    }
    seen[fn] = 1
    next
}
END {
    for (f in seen)
        printf "%.0f\t%.0f\t%.0f\t%s\n", calls[f], self[f], incl[f], f
    for (f in calls)
        if (!(f in seen))
            printf "%.0f\t0\t0\t%s\n", calls[f], f
    for (e in ecalls) {
        split(e, pair, SUBSEP)
        printf "edge\t%.0f\t%.0f\t%s\t%s\n", ecalls[e], ecost[e], pair[1], pair[2]
    }
    printf "total\t%.0f\n", total
}
