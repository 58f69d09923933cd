//! The `mosh --help` text, also printed after a usage mistake.

/// The `--help` text (also printed after usage errors).
pub fn usage(program: &str) -> String {
    format!(
        "Usage: {program} [options] [--] [user@]host [command...]
        --client=PATH        mosh client to run here
                                (default: this mosh-rs, else \"mosh-client\")
        --server=COMMAND     mosh server to run on the remote machine
                                (default: \"mosh-server\")
        --install-server     copy this mosh-rs to ~/.local/bin on the remote
                                machine (no root needed) and use it there
        --force              let --install-server replace a mosh-server
                                there that is not mosh-rs

        --predict=adaptive      local echo on slow links [default]
-a      --predict=always        local echo even on fast links
-n      --predict=never         no local echo
        --predict=experimental  local echo even when it may be wrong

-o      --predict-overwrite     predictions overwrite instead of inserting

-4      --family=inet        IPv4 only
-6      --family=inet6       IPv6 only
        --family=auto        any family, for hosts that have only one
        --family=all         every address, in resolver order
        --family=prefer-inet every address, IPv4 first [default]
        --family=prefer-inet6 every address, IPv6 first
-p PORT[:PORT2]
        --port=PORT[:PORT2]  UDP port or range for the server
                                (the ssh port is set with --ssh)
        --bind-server={{ssh|any|IP}}  address the server replies from
                                       (default: \"ssh\")

        --ssh=COMMAND        ssh command that starts the server
                                (example: \"ssh -p 2222\")
                                (default: \"ssh\")

        --no-ssh-pty         no pseudo terminal on the ssh connection

        --no-init            no terminal initialisation string

        --no-scrollback      draw on the alternate screen as stock mosh
                                does, without lines that scroll off the
                                top going into your terminal's scrollback
                                (with a mosh-rs server)

        --local              start the server on this machine, without ssh

        --experimental-remote-ip=(local|remote|proxy)  how the server's
                             address is found (default: \"proxy\")

-v      --verbose            show each start-up step on stderr; pass -v to
                                the server (and the client, if MOSH_LOG
                                is set); repeatable

        --attach[=ID]        resume a running mosh-rs session (by default
                                the most recently used detached one)

        --transport=(auto|udp|ssh)  auto (the default) starts on UDP and
                                carries the session over ssh when UDP gets
                                no answer; udp as stock mosh; ssh never
                                tries UDP (MOSH_TRANSPORT)

        --help               this message
        --version            version and licence

mosh-rs: the mobile shell as one static binary.
"
    )
}
