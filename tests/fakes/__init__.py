"""Third parties faked at their HTTP or SMTP boundary: servers on loopback, or `responses`."""
