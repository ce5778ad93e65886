"""Reply channels: an agent's reply posted on the platform where the customer wrote.

`CHANNELS` is the registry the sender reads (carewire.core.replies has the protocol). A
channel is built like the platform's connector: its own section of `sources`, what all
platforms share (`Settings.fetching`), and the credentials by conn_id. Feeds have none:
there is no API to answer a blog or a news site through. While carewire replays recorded
traffic (`http.replay_dir`: the demo), every channel is the local recorder
(connectors/recorder.py) instead: nothing is posted anywhere.
"""

from __future__ import annotations

from typing import Mapping

from carewire.connectors.forums.replies import DiscourseReplies
from carewire.connectors.recorder import ReplyRecorder
from carewire.connectors.reddit.replies import RedditReplies
from carewire.connectors.x.replies import XReplies
from carewire.core.errors import FatalSourceError
from carewire.core.replies import ReplyChannel
from carewire.core.settings import Settings
from carewire.core.types import Credentials

CHANNELS: dict[str, type[ReplyChannel]] = {channel.source: channel for channel in (
    XReplies, RedditReplies, DiscourseReplies)}

__all__ = ["CHANNELS", "reply_channel_for"]


def reply_channel_for(settings: Settings, source: str,
                      credentials: Mapping[str, Credentials] | None = None) -> ReplyChannel:
    """The reply channel of `source`, given what `connector_for` gives its connector: its
    own section of `sources` (settings.sources.x for X) and `Settings.fetching`."""
    if source not in CHANNELS:
        raise FatalSourceError(f"carewire cannot post replies on {source}: answer there by hand.",
                               source=source)
    if settings.http.replay_dir is not None:  # the demo: nothing goes to a platform
        return ReplyRecorder(source, settings.data_dir)
    return CHANNELS[source](getattr(settings.sources, source), settings.fetching, credentials)
