#!/usr/bin/env python3
"""The example portal: a minimal Django + DRF project using the aamcare_messaging app."""
import os
import sys

if __name__ == "__main__":
    # The app lives one directory up (integrations/django/aamcare_messaging); a real portal pip-installs or copies it.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_portal.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
