"""A handout's key: sha256 over everything that shows in it, so any change makes a new PDF."""

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence

import weasyprint
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.template.loader import get_template

from references.citations import cited_keys
from references.models import Reference

from .. import pagecache
from ..citing import citing_pages_by_reference
from ..models import Citation, Document
from ..services import INLINES
from .document import STYLESHEET, TEMPLATES, Item, is_public, is_study, site_root
from .models import HandoutLayout
from .render import static_file

# Bump when code changes what a handout looks like without a template or CSS change.
HANDOUT_VERSION = 2


def _read_design_digest() -> str:
    stylesheet = static_file(STYLESHEET)
    sources = [get_template(name).template.source for name in TEMPLATES]
    sources.append(stylesheet.read_text() if stylesheet else "")
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()


_cached_design_digest = functools.cache(_read_design_digest)


def _design_digest() -> str:
    """A hash of the handout templates and stylesheet; re-read on every call only in DEBUG."""
    return _read_design_digest() if settings.DEBUG else _cached_design_digest()


def _related_content(parts: Sequence[Document]) -> dict[tuple[str, int], dict[str, list]]:
    """What shows of each part beyond its own row, as plain values in a few queries per model.

    Inline rows (all their fields), tag names, and each citation's number with its reference's
    pk and ``updated``. Cheap on purpose: it runs on every request for a handout.
    """
    parts = [part for part in parts if not is_study(part)]
    content = {(document._meta.label, document.pk): defaultdict(list) for document in parts}
    for model in dict.fromkeys(type(document) for document in parts):
        pks = [document.pk for document in parts if type(document) is model]
        content_type = ContentType.objects.get_for_model(model)
        queries = [
            ("references", Citation.objects.filter(content_type=content_type, object_id__in=pks)
             .values_list("object_id", "number", "reference_id", "reference__updated")),
            ("tags", model.tags.through.objects.filter(content_type=content_type, object_id__in=pks)
             .order_by("tag__name").values_list("object_id", "tag__name")),
        ]  # fmt: skip
        for accessor in INLINES[model]:
            relation = getattr(model, accessor).rel
            inline, owner = relation.related_model, relation.field.attname
            fields = [field.attname for field in inline._meta.concrete_fields]
            rows = inline.objects.filter(**{f"{owner}__in": pks}).values_list(owner, *fields)
            queries.append(("inlines", rows))
        for name, rows in queries:
            for owner_pk, *values in rows:
                content[model._meta.label, owner_pk][name].append(values)
    return content


def _studies_content(parts: Sequence[Item]) -> dict[int, dict[str, list]]:
    """What shows of each study beyond its own row, by pk: the works its summary cites (pk and
    ``updated``) and the published pages citing it. A few queries however many studies."""
    studies = [part for part in parts if is_study(part)]
    wanted = {study.pk: cited_keys([study.summary]) for study in studies}
    known = Reference.objects.filter(key__in={key for keys in wanted.values() for key in keys})
    cited = {key: [key, pk, updated] for key, pk, updated in known.values_list("key", "pk", "updated")}
    cited_by = citing_pages_by_reference(studies)
    return {
        study.pk: {
            "references": [cited[key] for key in wanted[study.pk] if key in cited],
            "cited_by": [[page._meta.label, page.pk, page.title, page.slug] for page in cited_by[study.pk]],
        }
        for study in studies
    }


def handout_key(
    *, parts: Sequence[Item], paper: str, site_url: str, layout: str = HandoutLayout.PAGES
) -> str:
    """sha256 over everything that shows in the handout, so any change makes a new PDF.

    Each part's own fields, inlines, tags and citations with each cited reference's pk and
    ``updated`` (its formatted entry is cached on the same); for a study, the works its summary
    cites and the published pages citing it; paper, site name and address, citation style,
    layout (pages or a comparison), the handout templates and CSS, and the WeasyPrint version.
    The generation
    date is left out: it records when the stored PDF was made.
    """
    related = _related_content(parts)
    studies = _studies_content(parts)
    fingerprint = {
        "version": HANDOUT_VERSION,
        "weasyprint": weasyprint.__version__,
        "design": _design_digest(),
        "style": settings.CRAMPS_CITATION_STYLE,
        "site": [settings.CRAMPS_SITE_NAME, site_root(site_url)],
        "paper": paper,
        "layout": str(layout),
        "parts": [
            {
                "model": document._meta.label,
                "public": is_public(document),
                "fields": [getattr(document, field.attname) for field in document._meta.concrete_fields],
                **(
                    studies[document.pk] if is_study(document) else related[document._meta.label, document.pk]
                ),
            }
            for document in parts
        ],
    }
    return hashlib.sha256(json.dumps(fingerprint, default=str, sort_keys=True).encode()).hexdigest()


def part_tokens(parts: Sequence[Item]) -> list[str]:
    """The page-cache tokens of what a handout of ``parts`` shows. A page's token moves whenever
    anything its handout shows changes; a study shows other works and the pages citing it, so it
    follows every reference and every page."""
    tokens: list[str] = []
    for part in parts:
        if is_study(part):
            tokens += [pagecache.REFERENCES, pagecache.DOCUMENTS]
        else:
            tokens.append(pagecache.document_token(part))
    return list(dict.fromkeys(tokens))


def handout_key_current(
    *, parts: Sequence[Item], paper: str, site_url: str, layout: str = HandoutLayout.PAGES
) -> str:
    """``handout_key``, kept in the shared cache per version of its parts (no queries when kept).

    The memo follows ``part_tokens``; the rest of the key's inputs are in the memo's name, code
    and design through ``design_version``. Publication of a scheduled part ends it.
    """
    inputs = [
        HANDOUT_VERSION, weasyprint.__version__, settings.CRAMPS_CITATION_STYLE, settings.CRAMPS_SITE_NAME,
        site_root(site_url), paper, str(layout), [(part._meta.label, part.pk) for part in parts],
    ]  # fmt: skip
    name = "handout-key:" + hashlib.sha256(json.dumps(inputs).encode()).hexdigest()
    return pagecache.memo(
        name,
        part_tokens(parts),
        lambda: handout_key(parts=parts, paper=paper, site_url=site_url, layout=layout),
        until=pagecache.next_publication(),
    )
