#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import sys


def main():
    from cms.startup import load_settings_or_exit

    load_settings_or_exit(sys.argv[1:])
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
