import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from references import lookup
from references.models import Reference

# NCBI allows 3 requests a second without an API key, 10 with one; each reference takes two.
DELAY_WITHOUT_KEY, DELAY_WITH_KEY = 0.7, 0.2


class Command(BaseCommand):
    help = (
        "Propose PMIDs for references that have none, by searching PubMed (E-utilities) by title, first "
        "author and year; a proposal is PubMed's record for the same work by Cramps' duplicate rule. "
        "Nothing is saved without --apply, which saves the PMID (and a PMCID or DOI the reference lacks)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Save the proposed identifiers.")
        parser.add_argument(
            "--key", action="append", dest="keys", metavar="KEY", help="Only this reference (repeatable)."
        )
        parser.add_argument("--limit", type=int, help="Look up at most this many references.")
        parser.add_argument(
            "--delay", type=float, help="Seconds between references (default: what NCBI's rate limit allows)."
        )

    def handle(self, *args, apply=False, keys=None, limit=None, delay=None, **options):
        api_key = getattr(settings, "CRAMPS_NCBI_API_KEY", "")
        delay = delay if delay is not None else (DELAY_WITH_KEY if api_key else DELAY_WITHOUT_KEY)
        references = Reference.objects.filter(pmid="").exclude(title="").order_by("key")
        if keys:
            references = references.filter(key__in=keys)
            if unknown := sorted(
                set(keys) - set(Reference.objects.filter(key__in=keys).values_list("key", flat=True))
            ):
                raise CommandError(f"No reference has the key {', '.join(unknown)}.")
        references = list(references[:limit] if limit else references)
        proposals: list[tuple[Reference, dict]] = []
        for number, reference in enumerate(references):
            if number and delay:
                time.sleep(delay)
            try:
                search = lookup.find_pmid(
                    reference.record,
                    base_url=getattr(settings, "CRAMPS_PUBMED_URL", lookup.PUBMED_URL),
                    timeout=getattr(settings, "CRAMPS_LOOKUP_TIMEOUT", 10),
                    api_key=api_key,
                )
            except lookup.IdentifierLookupError as error:
                self._report(proposals, len(references), applied=False)
                raise CommandError(f"Stopped at @{reference.key}: {error} Nothing was saved.") from None
            self._describe(reference, search)
            if search.record:
                proposals.append((reference, search.record))
        saved = self._apply(proposals) if apply else []
        self._report(proposals, len(references), applied=apply, saved=saved)

    def _describe(self, reference: Reference, search: lookup.PmidSearch) -> None:
        if search.record:
            found = search.record
            self.stdout.write(f"@{reference.key}: PMID {found['pmid']} — “{found['title']}” "
                              f"({found['container_title_short'] or found['container_title']} {found['issued_year']})")  # fmt: skip
        elif search.others:
            others = "; ".join(f"PMID {other['pmid']} “{other['title'][:60]}”" for other in search.others)
            self.stdout.write(f"@{reference.key}: no PubMed record is the same work (found {others}).")
        else:
            self.stdout.write(f"@{reference.key}: nothing found in PubMed.")

    @transaction.atomic
    def _apply(self, proposals: list[tuple[Reference, dict]]) -> list[Reference]:
        """Save each proposal whose PMID no other reference has; all of them or, on an error, none."""
        saved = []
        for reference, found in proposals:
            holder = Reference.objects.filter(pmid=found["pmid"]).exclude(pk=reference.pk).first()
            if holder:
                self.stdout.write(self.style.WARNING(
                    f"@{reference.key}: not saved: PMID {found['pmid']} is already @{holder.key}'s; "
                    "the two may be the same work."))  # fmt: skip
                continue
            fields = ["pmid"]
            reference.pmid = found["pmid"]
            for name in ("pmcid", "doi"):
                value = found[name]
                if (
                    value
                    and not getattr(reference, name)
                    and not Reference.objects.filter(**{name: value}).exists()
                ):
                    setattr(reference, name, value)
                    fields.append(name)
            reference.save(update_fields=[*fields, "updated"])
            saved.append(reference)
        return saved

    def _report(self, proposals, total: int, *, applied: bool, saved=()) -> None:
        summary = f"{len(proposals)} PMID{'s' if len(proposals) != 1 else ''} proposed for {total} reference" + (
            "s without one." if total != 1 else " without one.")  # fmt: skip
        if applied:
            self.stdout.write(self.style.SUCCESS(f"{summary} Saved {len(saved)}."))
        elif proposals:
            self.stdout.write(f"{summary} Run again with --apply to save them.")
        else:
            self.stdout.write(summary)
