""" "Up next" cards: the picture (:mod:`.layout`), the clips on disk (:mod:`.shelf`) and the
background renderer the sessions ask for them (:mod:`.renderer`)."""

from hdhr_emulator.playout.cards.renderer import RENDERER_VERSION, CardRenderer, card_job

__all__ = ["RENDERER_VERSION", "CardRenderer", "card_job"]
