"""The public rating page a rating request links to: `/rate/<token>`, no sign-in, no
JavaScript, one form (1 to 5 and a comment). desk/ratings.py says what a link is and how
it is used up.

A link that is unknown, used or expired gets a plain page that says so and records
nothing; a used link says thank you without showing the rating, so a link seen in a public
reply tells a stranger nothing about the customer's answer.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from carewire.desk.errors import DeskError
from carewire.desk.pages import render
from carewire.desk.ratings import RatingLink
from carewire.desk.store import Desk

router = APIRouter()

SCORES = {5: "very satisfied", 4: "satisfied", 3: "neither", 2: "dissatisfied",
          1: "very dissatisfied"}
_GONE = {"used": (410, "Your rating was recorded already. Thank you!"),
         "expired": (410, "This rating link has expired. Thank you all the same.")}
_UNKNOWN = (404, "This is not a rating link the care team sent. Check that the whole link "
                 "was copied.")


def _desk(request: Request) -> Desk:
    return request.app.state.desk


@router.get("/rate/{token}")
def rating_form(request: Request, token: str):
    link = _desk(request).ratings.link(token)
    return _closed(request, link) or render(request, "rate.html", None, token=token,
                                            scores=SCORES, expires_at=link.expires_at)


@router.post("/rate/{token}")
def rate(request: Request, token: str, score: str = Form(""), comment: str = Form("")):
    link = _desk(request).ratings.link(token)
    closed = _closed(request, link)
    if closed is not None:
        return closed
    try:
        _desk(request).ratings.rate(token, int(score) if score.isdecimal() else 0, comment)
    except DeskError as exc:
        return render(request, "rate.html", None, status_code=400, token=token,
                      scores=SCORES, expires_at=link.expires_at, problem=str(exc),
                      comment=comment)
    return render(request, "rate.html", None, message="Thank you! Your rating was recorded "
                                                      "and goes to the care team.")


def _closed(request: Request, link: RatingLink | None):
    """The page for a link that takes no rating (unknown, used, expired); None if open."""
    if link is not None and link.state == "open":
        return None
    status, message = _UNKNOWN if link is None else _GONE[link.state]
    return render(request, "rate.html", None, status_code=status, message=message)
