#!/bin/sh
# A stand-in support bot for the quickstart: no model, no network, no API key.
# pawl starts it once per case with the case as one line of JSON on stdin and
# takes whatever it prints as the answer. Pass --worse to get the regressed
# version that pawl.worse.yaml runs (a stale refund and warranty policy).
mode=${1:-good}
IFS= read -r case_json || true
question=$(printf '%s' "$case_json" | sed -n 's/.*"question":"\([^"]*\)".*/\1/p' | tr 'A-Z' 'a-z')

case $question in
*refund*|*money\ back*|*return*)
    if [ "$mode" = --worse ]; then
        echo "Refunds are possible within 14 days of delivery."
    else
        echo "You can ask for a refund within 30 days of delivery."
    fi ;;
*password*|*log\ in*|*locked\ out*)
    echo "Use the Forgot password link on the sign-in page to set a new one." ;;
*address*)
    echo "You can change the delivery address before it ships, from your order page." ;;
*abroad*|*international*|*countries*|*overseas*)
    echo "We ship to over 40 countries; customs fees are paid on delivery." ;;
*ship*|*deliver*|*arrive*)
    echo "Orders arrive in 3-5 business days." ;;
*cancel*|*subscription*|*unsubscribe*)
    echo "You can cancel any time under Settings > Billing." ;;
*human*|*contact*|*email*|*agent*)
    echo "Write to support@example.com and a person will answer within a day." ;;
*open*|*hours*|*weekend*)
    echo "The shop is open 9am to 5pm, Monday to Saturday." ;;
*pay*|*card*|*paypal*)
    echo "We accept cards and PayPal." ;;
*warranty*|*broken*|*guarantee*)
    if [ "$mode" = --worse ]; then
        echo "Every device has a 1-year warranty."
    else
        echo "Every device has a 2-year warranty."
    fi ;;
*)
    echo "Sorry, I do not know. Please write to support@example.com." ;;
esac
