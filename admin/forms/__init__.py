"""The admin's WTForms, one module per domain: they parse and check the shape of input; the
services judge its meaning. Every form is an AdminForm (base.py): a FlaskForm, so each carries
the CSRF token that CSRFProtect checks on every POST, whose one-line fields refuse line breaks.

Import a form from its own module (`from admin.forms.components import ComponentForm`).
"""
