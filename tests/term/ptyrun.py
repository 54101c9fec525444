"""Run a command with some of its output streams on a pseudo-terminal.

    ptyrun.py FDS TERMFILE OUTFILE ERRFILE COMMAND [ARG...]

FDS says which streams are the terminal: "1" (stdout), "2" (stderr) or
"12" (both). What the terminal receives goes to TERMFILE, byte for byte
(the pty's output post-processing is turned off, so "\\n" stays "\\n");
a stream that is not the terminal goes to OUTFILE or ERRFILE. stdin is
/dev/null. Exits with the command's exit status (128+N after signal N).
"""
import os
import pty
import subprocess
import sys
import termios


def main(argv):
    if len(argv) < 6 or argv[1] not in ("1", "2", "12"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    fds, term_path, out_path, err_path, cmd = argv[1], argv[2], argv[3], argv[4], argv[5:]
    master, slave = pty.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST  # oflag: no "\n" -> "\r\n"
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=slave if "1" in fds else out,
            stderr=slave if "2" in fds else err,
            close_fds=True,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the last holder of the terminal closed it
                break
            if not data:
                break
            chunks.append(data)
        rc = proc.wait()
    os.close(master)
    with open(term_path, "wb") as f:
        f.write(b"".join(chunks))
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
