"""A StreamField block that shows a few published testimonials on any page that offers it (the home page)."""

from wagtail import blocks


class TestimonialsBlock(blocks.StructBlock):
    """A heading and up to twelve visible testimonials, featured first; read when the page is shown,
    so a withdrawal or a rejection disappears at once."""

    heading = blocks.CharBlock(required=False, max_length=120, default="What our graduates say")
    program = blocks.PageChooserBlock(
        page_type="campaigns.ProgramPage", required=False, help_text="Leave empty for every program."
    )
    count = blocks.IntegerBlock(min_value=1, max_value=12, default=3, label="How many")
    featured_only = blocks.BooleanBlock(required=False, help_text="Only testimonials marked as featured.")

    class Meta:
        icon = "openquote"
        label = "Testimonials"
        template = "testimonials/blocks/testimonials_block.html"

    def get_context(self, value, parent_context=None):
        from testimonials.publishing import wall_testimonials

        context = super().get_context(value, parent_context=parent_context)
        program = value.get("program")
        context["testimonials"] = list(
            wall_testimonials(
                program_id=program.pk if program else None,
                featured_only=bool(value.get("featured_only")),
                limit=max(1, min(12, value.get("count") or 3)),
            )
        )
        return context
