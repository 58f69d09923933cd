# Random output for the network bench's soak, seeded by $1 so every
# session gets the same stream, for $2 rounds of about 0.1 s: lines of
# random text (ASCII, accented, box drawing and wide characters) of
# random length, coloured words at random places, and now and then a
# burst of a couple of hundred lines.
awk -v seed="$1" -v n="$2" '
function text(len,    s, i) {
    s = ""
    for (i = 0; i < len; i++) s = s glyph[1 + int(rand() * glyphs)]
    return s
}
function scatter(    k) {
    for (k = int(rand() * 4); k > 0; k--)
        printf "\033[%d;%dH\033[3%d;4%dm%s\033[m", 1 + int(rand() * 24), 1 + int(rand() * 70), \
            int(rand() * 8), int(rand() * 8), text(1 + int(rand() * 8))
}
BEGIN {
    srand(seed)
    glyphs = split("a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9 _ - . é ß ø ─ │ ┼ 漢 字", glyph, " ")
    for (t = 0; t < n; t++) {
        r = rand()
        lines = r < 0.03 ? 200 : (r < 0.5 ? 1 + int(rand() * 5) : 0)
        for (i = 0; i < lines; i++) print text(int(rand() * 60))
        scatter()
        fflush()
        system("sleep 0.1")
    }
}'
