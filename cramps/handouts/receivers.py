"""Publishing a page queues its handouts, so the first reader finds them ready."""

import logging

from django.conf import settings
from django.dispatch import receiver

from ..signals import document_published
from .service import handouts_queue_for

logger = logging.getLogger(__name__)


@receiver(document_published, dispatch_uid="cramps.handouts.queue_published")
def queue_published_handouts(sender, document, **kwargs) -> None:
    """Queue the new version's handouts (every paper) for the site's public address.

    Without CRAMPS_SITE_URL the address readers use is not known yet; their first request
    queues the handout instead.
    """
    if not settings.CRAMPS_SITE_URL:
        logger.info("CRAMPS_SITE_URL is not set: %s's handouts render on first request", document)
        return
    try:
        handouts_queue_for(document, site_url=settings.CRAMPS_SITE_URL)
    except Exception:
        # The page is published whatever happens here; readers' requests queue it instead.
        logger.exception("Could not queue the handouts of %s", document)
