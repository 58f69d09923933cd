# A stand-in for top(1) in the network bench: the whole 80x24 screen is
# redrawn in place (cursor home, each row ended by erase-to-end-of-line,
# no scrolling) once a second with changing figures, for $1 seconds.
# The figures are a function of the second, so every run shows the same.
awk -v n="$1" '
function header(t) {
    printf "top - 10:%02d:%02d up 3 days,  2 users,  load average: %d.%02d, %d.%02d, %d.%02d\033[K\n", \
        int(t / 60) % 60, t % 60, t % 4, (t * 37) % 100, (t + 1) % 3, (t * 53) % 100, 0, (t * 11) % 100
    printf "Tasks: %3d total,   %d running, %3d sleeping,   0 stopped,   0 zombie\033[K\n", \
        120 + t % 7, 1 + t % 3, 118 + t % 5
    printf "%%Cpu(s): %4.1f us, %4.1f sy,  0.0 ni, %4.1f id,  0.0 wa\033[K\n", \
        (t * 7) % 40 + 0.5, (t * 3) % 10 + 0.3, 60 - (t * 7) % 40
    printf "MiB Mem :  15842.3 total, %8.1f free, %8.1f used\033[K\n", \
        9000 - (t * 13) % 500, 4000 + (t * 13) % 500
    printf "\033[K\n"
    printf "    PID USER      PR  NI    VIRT    RES  %%CPU  %%MEM     TIME+ COMMAND\033[K\n"
}
function process(t, r,    pid) {
    pid = 1000 + (r * 7919 + t * 104729) % 9000
    printf "%7d user      20   0 %7d %6d %5.1f %5.1f %3d:%02d.%02d proc%02d\033[K", \
        pid, 100000 + (pid * 31 + t) % 900000, 2000 + (pid * 17 + t * 3) % 90000, \
        ((r + t) * 13) % 500 / 10, (pid % 200) / 10, int((t + r) / 60), (t + r) % 60, (t * r) % 100, r
}
BEGIN {
    for (t = 0; t < n; t++) {
        printf "\033[H"
        header(t)
        for (r = 0; r < 18; r++) {
            process(t, r)
            if (r < 17) printf "\n"
        }
        fflush()
        system("sleep 1")
    }
}'
