"""What the referral half announces (the seam for the rewards code).

- ``conversion_approved(sender=Conversion, conversion=…)``: a conversion became eligible for the
  graduate's reward: its refund hold passed (``conversions.conversions_release_due``) or staff approved
  one whose hold had passed. Sent once per conversion, after the transaction commits.
- ``conversion_attributed(sender=Conversion, conversion=…)``: a conversion was recorded, credited to a
  graduate's link and not refused (held, under review or approved). Sent once, after the commit (the
  graduate's "a friend joined", referrals/loops.py).
- ``conversion_refunded(sender=Conversion, conversion=…, released=bool)``: its purchase was refunded.
  ``released=False``: during the hold (the conversion is cancelled, nothing was given);
  ``released=True``: after approval, so a reward given for it is to be revoked.

None is sent for a simulated graduate (``simulate_cohort``): for its figures the simulation calls
the rewards code itself (``referrals/simulation.py``), which makes the simulated graduate's rewards but
announces nothing about them (none of the signals below, no webhook) and takes no code from the bank.
"""

from django.dispatch import Signal

conversion_approved = Signal()
conversion_attributed = Signal()
conversion_refunded = Signal()

# What the rewards code announces (referrals/rewards/services.py), after the transaction commits, for the
# graduate's loop emails (referrals/loops.py, connected in referrals/receivers.py) to hear:
# - ``reward_released(sender=Reward, reward=…)``: the thank-you was given (a booking link, a code, or a
#   gift now waiting for its shipping address / to be shipped).
# - ``reward_revoked(sender=Reward, reward=…, explanation=str)``: a friend's refund took it back;
#   ``explanation`` says in plain words what was taken back and what was not.
# - ``reward_shipped(sender=Reward, reward=…)``: staff marked a physical gift shipped (``tracking_note``).
reward_released = Signal()
reward_revoked = Signal()
reward_shipped = Signal()
