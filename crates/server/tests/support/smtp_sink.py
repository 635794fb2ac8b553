"""A real SMTP server for the tests (aiosmtpd), on a free loopback port.

Prints `listening PORT` once it accepts connections. Every message it
accepts is written to OUT/NNNN.json (envelope and the raw message). What it
does is read, for every command, from OUT/control.json, so a test can change
its behaviour while it runs:

  {"refuse_rcpt": {"bo@example.com": "550 5.1.1 <bo@example.com>: user unknown"},
   "refuse_data": "554 5.7.1 Relay access denied",      # every message
   "stall_on": 3}                                       # hold the 3rd DATA

A stalled message writes OUT/stalled and never answers (the client is meant
to be killed meanwhile); it is not recorded as accepted, as a real server's
client would not have seen it accepted either.

Options: --tls CERT KEY (STARTTLS required), --auth USER PASSWORD (AUTH
required, LOGIN/PLAIN over TLS; each login is appended to OUT/auth.log).
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def control(out):
    try:
        with open(os.path.join(out, "control.json")) as f:
            return json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


class Sink:
    def __init__(self, out):
        self.out = out
        self.data_seen = 0
        self.accepted = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refuse = control(self.out).get("refuse_rcpt", {}).get(address.lower())
        if refuse:
            return refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        ctl = control(self.out)
        self.data_seen += 1
        if ctl.get("stall_on") == self.data_seen:
            with open(os.path.join(self.out, "stalled"), "w") as f:
                f.write(str(self.data_seen))
            await asyncio.sleep(3600)
            return "451 4.3.0 stalled"
        if ctl.get("refuse_data"):
            return ctl["refuse_data"]
        self.accepted += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf8", errors="replace"),
            "tls": session.ssl is not None,
        }
        path = os.path.join(self.out, "%04d.json" % self.accepted)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--auth", nargs=2, metavar=("USER", "PASSWORD"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    handler = Sink(args.out)
    kwargs = {}
    if args.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        kwargs.update(tls_context=ctx, require_starttls=True)
    if args.auth:
        user, password = args.auth

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            with open(os.path.join(args.out, "auth.log"), "a") as f:
                f.write("%s %s\n" % (auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "?", "ok" if ok else "refused"))
            return AuthResult(success=ok)

        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(args.tls))

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: SMTP(handler, hostname="sink.test", **kwargs), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        print("listening %d" % port, flush=True)
        # Ends with the test: it kills this process, or closes its stdin.
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        await reader.read()
        server.close()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
