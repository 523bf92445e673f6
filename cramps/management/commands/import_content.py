from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cramps.history import history_origin
from cramps.transfer import ContentImportError, content_import


class Command(BaseCommand):
    help = (
        "Import a file written by export_content: articles and nutrients matched by slug, references by "
        "key. All or nothing: if any item is refused, nothing is saved and the command exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The JSON file to import.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; save nothing.")

    def handle(self, *args, file: str, dry_run: bool = False, **options):
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        try:
            with history_origin(comment=f"Imported from {Path(file).name} by the import_content command"):
                summary = content_import(data=data, dry_run=dry_run)
        except ContentImportError as error:
            for problem in error.problems:
                self.stderr.write(self.style.ERROR(problem))
            raise CommandError(
                f"Nothing was imported from {file}: {len(error.problems)} problem(s)."
            ) from None
        self.stdout.write(f"{summary}.")
        for item in summary.items:
            if item.action == "update":
                self.stdout.write(f"  {item.kind} {item.name}: {', '.join(item.changes)}")
        self.stdout.write("Dry run: nothing was saved." if dry_run else self.style.SUCCESS("Imported."))
