from django.core.management.base import BaseCommand, CommandError

from cramps.citing import citations_drift
from cramps.integrity import all_broken_citations, broken_summary_citations
from cramps.models import Citation
from cramps.pagebody import invalidate_all
from cramps.services import DOCUMENT_MODELS, documents_repair, inline_prefetches, study_summaries_repair
from references.integrity import find_duplicates, malformed_identifiers
from references.models import Reference


class Command(BaseCommand):
    help = (
        "Report citation problems and exit non-zero if there are any: unknown keys and unreadable "
        "citations in documents and study summaries, citation rows out of step with the text, references cited nowhere, "
        "duplicate references and malformed DOIs/PMIDs. Warns about references readers cannot open "
        "(no PMID, PMCID, DOI or URL). --fix first re-derives stale citation rows and cached HTML."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="Repair stale citation rows and cached HTML before checking."
        )

    def handle(self, *args, fix: bool = False, **options):
        if fix:
            for document in documents_repair():
                self.stdout.write(f"Repaired {document.kind_label.lower()} “{document}”.")
            for reference in study_summaries_repair():
                self.stdout.write(f"Repaired the study summary of @{reference.key}.")
            # Pages are rendered again from what is now stored.
            invalidate_all()
        references = list(Reference.objects.order_by("key"))
        known = {reference.key: reference for reference in references}
        cited = set(Citation.objects.values_list("reference_id", flat=True))
        sections = {
            "Broken citations": [
                *(str(broken) for broken in all_broken_citations()),
                *broken_summary_citations(references, set(known)),
            ],
            "Citation rows out of step with the text (run check_citations --fix)": self._drift(known),
            "References cited nowhere": [
                f"@{ref.key}: {ref.title}" for ref in references if ref.pk not in cited
            ],
            "Duplicate references": [f"@{p.reference.key}: {p.message}" for p in find_duplicates(references)],
            "Malformed identifiers": [
                f"@{p.reference.key}: {p.message}" for p in malformed_identifiers(references)
            ],
        }
        unreachable = [f"@{ref.key}: {ref.title}" for ref in references if not ref.source_url]
        if unreachable:
            self.stdout.write(
                self.style.WARNING(f"Warning: no PMID, PMCID, DOI or URL ({len(unreachable)}):")
            )
            for line in unreachable:
                self.stdout.write(f"  - {line}")
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

    @staticmethod
    def _drift(known: dict[str, Reference]) -> list[str]:
        problems = []
        for model in DOCUMENT_MODELS:
            for document in model.objects.prefetch_related(*inline_prefetches(model), "citations__reference"):
                if drift := citations_drift(document, known):
                    problems.append(f"{document.kind_label} “{document}”: {drift}")
        return problems
