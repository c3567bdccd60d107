"""cartable close-attempts"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from cartable.assessment.actions import close_overdue
from cartable.commands import CartableCommand


class Command(CartableCommand):
    help = (
        "Close the quiz attempts whose time limit or close date has passed, graded with the "
        "answers saved (an attempt also closes itself when its learner comes back; run this "
        "every few minutes, from cron or a timer, for those who do not)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        closed = close_overdue()
        self.stdout.write(_("Quiz attempts closed: %(count)d.") % {"count": closed})
