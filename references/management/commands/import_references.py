from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from references.formats import ParseError
from references.import_formats import BY_NAME, guess_import_format
from references.resources import ReferenceResource


class Command(BaseCommand):
    help = (
        "Import references from a citation-manager file (RIS, PubMed .nbib, BibTeX, CSL-JSON) or a "
        "CSV, XLSX or JSON export, matching duplicates by DOI, PMID, then title, first author and year. "
        "All or nothing: if any row has an error, nothing is saved and the command exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to import.")
        parser.add_argument(
            "--format", choices=sorted(BY_NAME), help="The file's format (found from the file when left out)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; save nothing.")

    def handle(self, *args, file: str, format: str | None = None, dry_run: bool = False, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        file_format = BY_NAME[format] if format else guess_import_format(path.name, data)
        if file_format is None:
            raise CommandError(f"Cannot tell what kind of file {path.name} is; give --format.")
        try:
            dataset = file_format().create_dataset(data)
        except ParseError as error:
            raise CommandError(f"{path.name} could not be read: {error}") from None
        result = ReferenceResource().import_data(dataset, dry_run=dry_run, file_name=path.name)

        for row in result.duplicate_rows():
            self.stdout.write(
                f"Row {row.number}: duplicate of row {row.duplicate_of} ({row.duplicate_reason}); left out."
            )
        problems = [str(error.error) for error in result.base_errors]
        problems += [
            f"Row {number}: {error.error}" for number, errors in result.row_errors() for error in errors
        ]
        for invalid in result.invalid_rows:
            which = f" ({invalid.key})" if invalid.key else ""
            for field, messages in invalid.error_dict.items():
                where = "" if field == "__all__" else f", {field}"
                problems.append(f"Row {invalid.number}{which}{where}: {' '.join(messages)}")
        for problem in problems:
            self.stderr.write(self.style.ERROR(problem))

        totals = result.totals
        errors = totals["error"] + totals["invalid"] + len(result.base_errors)
        self.stdout.write(
            f"{path.name}: new {totals['new']}, updated {totals['update']}, skipped {totals['skip']}, "
            f"duplicates {totals['duplicate']}, errors {errors}"
        )
        if errors:
            raise CommandError(
                f"Nothing was imported: {errors} error{'s' if errors != 1 else ''} in {path.name}."
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was saved.")
        else:
            self.stdout.write(self.style.SUCCESS("Imported."))
