import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from cramps.transfer import content_export


class Command(BaseCommand):
    help = "Write every article and nutrient, and the references they cite, to a JSON file (“-” for stdout)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the JSON; “-” writes to standard output.")

    def handle(self, *args, file: str, **options):
        text = content_export()
        if file == "-":
            sys.stdout.write(text)
            return
        Path(file).write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {file}."))
