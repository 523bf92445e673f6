from django.core.management.base import BaseCommand, CommandError

from cramps.integrity import all_broken_citations
from cramps.models import Citation
from references.integrity import find_duplicates, malformed_identifiers
from references.models import Reference


class Command(BaseCommand):
    help = (
        "Report citation problems and exit non-zero if there are any: unknown keys in documents, "
        "references cited nowhere, duplicate references and malformed DOIs/PMIDs."
    )

    def handle(self, *args, **options):
        references = list(Reference.objects.order_by("key"))
        cited = set(Citation.objects.values_list("reference_id", flat=True))
        sections = {
            "Unknown citation keys": [str(broken) for broken in all_broken_citations()],
            "References cited nowhere": [
                f"@{ref.key}: {ref.title}" for ref in references if ref.pk not in cited
            ],
            "Duplicate references": [f"@{p.reference.key}: {p.message}" for p in find_duplicates(references)],
            "Malformed identifiers": [
                f"@{p.reference.key}: {p.message}" for p in malformed_identifiers(references)
            ],
        }
        total = 0
        for title, problems in sections.items():
            if problems:
                total += len(problems)
                self.stdout.write(self.style.ERROR(f"{title} ({len(problems)}):"))
                for problem in problems:
                    self.stdout.write(f"  - {problem}")
        if total:
            raise CommandError(f"{total} citation problem{'s' if total != 1 else ''} found.")
        self.stdout.write(
            self.style.SUCCESS(f"All citations are sound ({len(references)} references checked).")
        )
