"""The program dashboard in the admin: the funnel, NPS by week, every count a link to its people."""
