from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.template.defaultfilters import filesizeformat

from references.admin import import_max_bytes
from references.formats import FORMATS, ParseError, UnknownFormat
from references.formats.common import ENCODING_NAMES
from references.importing import DUPLICATE, SKIPPED, ImportRefused, references_import
from references.jobs import upload_read


class Command(BaseCommand):
    help = (
        "Import references from a citation-manager file (RIS, PubMed .nbib, BibTeX, CSL-JSON) or a "
        "CSV, XLSX or JSON spreadsheet, matching duplicates by DOI, PMID, then title, first author, year "
        "and type. A value that cannot be stored is left out with a warning; a file with nothing "
        "readable is refused. All or nothing: on any error nothing is saved and the command exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to import.")
        parser.add_argument(
            "--format", choices=sorted(FORMATS), help="The file's format (found from the file when left out)."
        )
        parser.add_argument(
            "--encoding",
            choices=sorted(ENCODING_NAMES),
            help="The text's encoding, if it is not UTF-8 and is read wrongly.",
        )
        parser.add_argument(
            "--user",
            help="Import as this user: the import is refused unless they may import, add and change references.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; save nothing.")

    def handle(self, *args, file: str, format=None, encoding=None, user=None, dry_run=False, **options):
        path = Path(file)
        editor = self._user(user) if user else None
        try:
            size = path.stat().st_size
            if size > import_max_bytes():
                raise CommandError(
                    f"{path.name} is {filesizeformat(size)}; Cramps imports files of up to "
                    f"{filesizeformat(import_max_bytes())}. Split it into smaller files."
                )
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        try:
            parsed = upload_read(name=path.name, data=data, format=format, encoding=encoding)
            plan = references_import(parsed=parsed, user=editor, dry_run=dry_run)
        except UnknownFormat:
            raise CommandError(f"Cannot tell what kind of file {path.name} is; give --format.") from None
        except ParseError as error:
            raise CommandError(f"{path.name} could not be read: {error}") from None
        except (ImportRefused, PermissionDenied) as error:
            raise CommandError(f"Nothing was imported from {path.name}: {error}") from None
        except DatabaseError as error:
            raise CommandError(
                f"Nothing was imported from {path.name}: the database refused it ({error})."
            ) from None

        for note in plan.notes:
            self.stdout.write(note)
        if plan.unused:
            self.stdout.write(f"Not imported (Cramps does not read them): {', '.join(plan.unused)}.")
        for warning in plan.warnings:
            self.stdout.write(self.style.WARNING(str(warning)))
        for planned in plan.records:
            if planned.action in (DUPLICATE, SKIPPED):
                self.stdout.write(f"Record {planned.number}: {planned.reason}" + (
                    "; left out." if planned.action == DUPLICATE else ""))  # fmt: skip
        totals = plan.totals
        self.stdout.write(
            f"{path.name}: new {totals['new']}, updated {totals['update']}, unchanged {totals['unchanged']}, "
            f"duplicates {totals['duplicate']}, unreadable {totals['skipped']}, warnings {len(plan.warnings)}"
        )
        self.stdout.write("Dry run: nothing was saved." if dry_run else self.style.SUCCESS("Imported."))

    def _user(self, username: str):
        try:
            return get_user_model().objects.get(**{get_user_model().USERNAME_FIELD: username})
        except get_user_model().DoesNotExist:
            raise CommandError(f"There is no user “{username}”.") from None
