"""Writes a delivery status notification (RFC 3464) as a receiving mail
server would mail it back, built with Python's own email package rather
than by the code under test. The returned message (its headers only, as
Postfix does) is read from stdin; the notification is printed.

  make_dsn.py --to ENVELOPE_SENDER --recipient bo@example.org \
      --action failed --status 5.1.1 --diagnostic "550 5.1.1 ..."
"""
import argparse
import email
import sys
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate


def fields(pairs):
    m = Message()
    for name, value in pairs:
        m[name] = value
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", required=True)
    ap.add_argument("--recipient", required=True)
    ap.add_argument("--action", required=True)
    ap.add_argument("--status", required=True)
    ap.add_argument("--diagnostic", required=True)
    args = ap.parse_args()
    returned = email.message_from_bytes(sys.stdin.buffer.read(), policy=compat32)

    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@mx.example.org (Mail Delivery System)"
    report["To"] = args.to
    report["Delivered-To"] = args.to
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Date"] = formatdate()
    report["Auto-Submitted"] = "auto-replied"
    report.attach(MIMEText("Your message could not be delivered to %s.\n" % args.recipient))

    status = Message()
    status.set_type("message/delivery-status")
    status.set_payload([
        fields([("Reporting-MTA", "dns; mx.example.org"), ("Arrival-Date", formatdate())]),
        fields([
            ("Final-Recipient", "rfc822; " + args.recipient),
            ("Action", args.action),
            ("Status", args.status),
            ("Remote-MTA", "dns; mail.example.org"),
            ("Diagnostic-Code", "smtp; " + args.diagnostic),
        ]),
    ])
    del status["MIME-Version"]
    report.attach(status)

    headers = Message()
    headers.set_type("text/rfc822-headers")
    headers.set_payload("".join("%s: %s\n" % (k, v) for k, v in returned.items()))
    report.attach(headers)

    sys.stdout.write(report.as_string())


if __name__ == "__main__":
    main()
