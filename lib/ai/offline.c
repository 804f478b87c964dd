/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The offline provider: without an API key, drafts come from templates
 * filled with the request's facts (req->offline_json), the same for the
 * same facts, each opening with a line that says it is an offline draft.
 * The drafts have the sections of the real documents, so a team can run
 * the whole journey without the network and edit from there. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ai.h"

#define MARK "> **Offline draft** — written by WavelaunchOS's offline provider from the" \
	     " client's intake, without an AI model. Review and rewrite before use.\n\n"

struct facts {
	const char *brand, *niche, *audience, *goals, *title, *question, *plan, *extra;
	int milestone;
};

static const char *fact(json_t *o, const char *key, const char *def)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v && *v ? v : def;
}

static void put(struct wvl_buf *b, const char *s) { wvl_buf__puts(b, s); }

/* printf onto the buffer. */
static void putf(struct wvl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct wvl_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) >= 0)
		wvl_buf__puts(b, s);
	else
		b->ok = false;
	va_end(ap);
	free(s);
}

static const char *const milestone_focus[8] = {
	"the brand's foundation: positioning, voice and the promise the audience hears first",
	"the visual identity and the assets every channel reuses",
	"the product or offer: what is sold, at what price, and why it is worth it",
	"the content system: pillars, formats and a cadence the creator can keep",
	"the storefront and website that turn attention into orders",
	"the launch marketing plan: the story, the list and the countdown",
	"the launch itself: the week-by-week run sheet and what to measure",
	"growth and optimisation: what worked, what to double and what to drop",
};

static void business_plan(struct wvl_buf *b, const struct facts *f)
{
	putf(b, "# Business plan: %s\n\n" MARK, f->brand);
	putf(b, "## Executive summary\n\n%s is a creator brand in %s. Over the next eight months the"
		" agency and the creator build the brand, its first product and a repeatable way to"
		" reach %s. The plan below sets the positioning, the offer, the channels and the"
		" eight monthly milestones, each with what it delivers and how success is"
		" measured.\n\n", f->brand, f->niche, f->audience);
	putf(b, "## Brand and positioning\n\n%s stands for one clear promise to %s: practical,"
		" trustworthy help in %s, in the creator's own voice. The positioning statement:"
		" *for %s who want results in %s, %s is the creator who shows how, step by step.*"
		" Every piece of content, product page and email repeats that promise.\n\n",
		f->brand, f->audience, f->niche, f->audience, f->niche, f->brand);
	putf(b, "## Audience\n\nThe primary audience is %s. They follow creators for honest"
		" advice, they buy when they trust the person behind the brand, and they compare"
		" before they pay. The plan reaches them where they already spend time, speaks to"
		" the problems they name themselves, and turns followers into subscribers before"
		" asking them to buy.\n\n", f->audience);
	putf(b, "## Goals\n\nThe creator's goals, as given at onboarding: %s. They translate into"
		" three measurable targets for the programme: a growing email list, a first product"
		" launched by month six, and monthly revenue that covers the agency's fee by month"
		" eight.\n\n", f->goals);
	put(b, "## Offer and monetisation\n\nThe first offer is a focused product the audience"
	       " already asks for, priced for a first purchase, with a premium tier for the most"
	       " engaged buyers. Affiliate partnerships and sponsored content follow once the"
	       " audience is large enough to carry them; neither may dilute the brand's promise.\n\n");
	put(b, "## Channels and growth\n\nOne primary social channel carries the brand (the one"
	       " where the creator already has reach), one secondary channel repurposes its best"
	       " content, and the email list is the channel the brand owns. Growth comes from a"
	       " steady publishing cadence, collaborations with adjacent creators, and a lead"
	       " magnet that earns the subscription.\n\n");
	put(b, "## Roadmap: the eight milestones\n\n");
	for (int m = 0; m < 8; m++)
		putf(b, "%d. **M%d** — %s.\n", m + 1, m + 1, milestone_focus[m]);
	put(b, "\n## Key metrics\n\n- Followers and engagement rate on the primary channel\n"
	       "- Email subscribers and their open rate\n- Conversion from subscriber to buyer\n"
	       "- Monthly revenue and the average order value\n- Content published against the"
	       " plan\n\n");
	put(b, "## Risks and how the plan meets them\n\n- **The creator's time**: a cadence"
	       " sized to what can be kept, with batches produced ahead.\n- **A slow launch**: the"
	       " list is built months before the product, so launch day starts with buyers.\n-"
	       " **Platform changes**: the email list keeps the audience reachable whatever an"
	       " algorithm does.\n\n");
	put(b, "## Next steps\n\nThe team reviews this draft with the creator, adjusts the goals"
	       " and the offer, and approves the plan; the first milestone starts on approval.\n");
}

static void deliverable(struct wvl_buf *b, const struct facts *f)
{
	int m = f->milestone >= 1 && f->milestone <= 8 ? f->milestone : 1;
	putf(b, "# M%d: %s\n\n" MARK, m, f->title);
	putf(b, "## Purpose\n\nMilestone %d of %s's programme covers %s. It builds on the approved"
		" business plan and on the milestones delivered before it, and it prepares what the"
		" next milestone needs.\n\n", m, f->brand, milestone_focus[m - 1]);
	putf(b, "## Where the brand stands\n\n%s serves %s in %s. The goals set at onboarding —"
		" %s — frame every recommendation below.\n\n", f->brand, f->audience, f->niche,
		f->goals);
	putf(b, "## Deliverables this month\n\n1. A written brief for %s, agreed with the"
		" creator.\n2. The working assets it calls for, in the brand's voice and identity.\n"
		"3. A checklist the creator can follow week by week.\n4. The measures that show"
		" whether it worked, with their starting values.\n\n", f->title);
	put(b, "## Recommendations\n\n- Start from what the audience already responds to: the"
	       " best-performing posts of the last three months show the topics and formats to"
	       " keep.\n- Keep one message per piece of content, and end each with one clear next"
	       " step (follow, subscribe, buy).\n- Reuse: every long piece yields three short ones"
	       " for the secondary channel and one email.\n- Decide in advance what would make"
	       " this milestone a success, and review it with the team at month end.\n\n");
	put(b, "## Week-by-week plan\n\n| week | focus |\n|---|---|\n| 1 | brief, research and"
	       " the creator's input |\n| 2 | first drafts and assets |\n| 3 | review, revisions,"
	       " scheduling |\n| 4 | publish, measure, report |\n\n");
	put(b, "## Measures\n\n- Engagement rate of the month's content against the last"
	       " month\n- New email subscribers\n- Clicks from content to the store or the lead"
	       " magnet\n\n");
	put(b, "## Next milestone\n\n");
	if (m < 8)
		putf(b, "M%d turns to %s.\n", m + 1, milestone_focus[m]);
	else
		put(b, "The programme ends here: the team reviews the eight months with the creator"
		       " and agrees on what continues.\n");
}

static void coach(struct wvl_buf *b, const struct facts *f)
{
	/* The question quoted up to 300 bytes, never half a character. */
	int q = (int)strlen(f->question);
	if (q > 300)
		for (q = 300; q > 0 && ((unsigned char)f->question[q] & 0xC0) == 0x80; q--)
			;
	putf(b, "*(Offline coach: this answer comes from a template, not from an AI model.)*\n\n"
		"You asked: \"%.*s\"\n\nFor %s, a creator brand in %s speaking to %s, three steps"
		" usually help:\n\n1. **Name the outcome.** Write down what a good result looks like"
		" in a month, in numbers if you can.\n2. **Pick the smallest next action.** One post,"
		" one email or one conversation that moves toward it this week.\n3. **Check it"
		" against your plan.** Your approved business plan and the current milestone say"
		" what matters now; if the question is not on that path, park it.\n\nAsk your"
		" account team for a deeper answer when the AI coach is back online.\n",
		q, f->question, f->brand, f->niche, f->audience);
}

/* Hands the text to on_text in word-sized pieces, as a stream would: a
 * word over 64 bytes goes in 64-byte pieces, which may split a character
 * (ai.h allows it; the coach's stream carries the rest over). */
static int replay(const wvl_ai_request *req, char *t, size_t n)
{
	for (size_t i = 0; req->on_text && i < n;) {
		size_t j = i + 1;
		while (j < n && t[j] != ' ' && t[j] != '\n' && j - i < 64)
			j++;
		if (req->on_text(t + i, j - i, req->payload) != 0) {
			t[j] = '\0'; /* the caller keeps what it was handed */
			return wvl_err__set(WVL_ECONFLICT, NULL, "cancelled: the reply was stopped");
		}
		i = j;
	}
	return 0;
}

int wvl_ai__offline(char **out_text, wvl_ai_usage *usage, wvl_ctx *ctx,
		    const wvl_ai_request *req)
{
	(void)ctx;
	json_t *o = json_loads(req->offline_json ? req->offline_json : "{}", 0, NULL);
	const char *kind = fact(o, "kind", req->purpose);
	struct facts f = {
		.brand = fact(o, "brand", "The brand"),
		.niche = fact(o, "niche", "its niche"),
		.audience = fact(o, "audience", "its audience"),
		.goals = fact(o, "goals", "growth, a first product and a sustainable income"),
		.title = fact(o, "title", "this month's work"),
		.question = fact(o, "question", "how to move forward"),
		.milestone = (int)json_integer_value(json_object_get(o, "milestone")),
	};
	struct wvl_buf b = WVL_BUF_INIT;
	if (!strcmp(kind, "business_plan"))
		business_plan(&b, &f);
	else if (!strcmp(kind, "deliverable"))
		deliverable(&b, &f);
	else
		coach(&b, &f);
	json_decref(o);
	size_t in = strlen(req->messages_json) + (req->system ? strlen(req->system) : 0) +
		    (req->system_cached ? strlen(req->system_cached) : 0);
	*usage = (wvl_ai_usage){WVL_AI_USAGE_VERSION, (int64_t)(in + 3) / 4,
				(int64_t)(b.len + 3) / 4, 0, 0};
	char *text = wvl_buf__take(&b);
	if (!text)
		return wvl_err__set(WVL_EINTERNAL, NULL, "out of memory");
	int rc = replay(req, text, strlen(text));
	*out_text = text;
	return rc;
}
