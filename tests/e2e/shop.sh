#!/bin/sh
# Shops and simple needs (issue 12, game/shop.c) through all three services:
# Alice lists Marta's wares at the inn, buys bread and ale, eats and drinks,
# has her torch valued and sells it, cannot buy what is not sold nor what
# she cannot afford at the smithy, and finds no shop on the square.  Gold
# and items move exactly: the conservation checks count each ItemBought,
# ItemSold and ItemEaten.
. "$WR_HOME/tests/lib/harness.sh"

pg_start
"$WRCTL" migrate >/dev/null && "$WRCTL" world load >/dev/null || bail "could not load the world"
room() { sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = '$1'"; }
tpl() { sql "SELECT id FROM item_templates WHERE key = '$1'"; }
A_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
INN=$(room millbrook.inn); SMITHY=$(room millbrook.smithy)
MARTA=$(sql "SELECT id FROM mobs WHERE spawn_key = 'millbrook.inn.marta'")
BREAD=$(tpl millbrook.bread); ALE=$(tpl millbrook.ale)
TORCH=$(sql "SELECT i.id FROM items i JOIN item_templates t ON t.id = i.template_id
             WHERE t.key = 'millbrook.torch' AND i.owner_character_id = $A_ID")
gold() { sql "SELECT gold FROM characters WHERE id = $A_ID"; }
carried() { sql "SELECT coalesce(sum(quantity), 0) FROM items WHERE owner_character_id = $A_ID AND template_id = $1"; }
last() { sql "SELECT payload->>'$1' FROM event_log WHERE action_id = $ACT ORDER BY event_id LIMIT 1"; }
sql "UPDATE characters SET gold = 20 WHERE id = $A_ID" >/dev/null
items_before=$(world_items)
coins_before=$(world_coins)
ALICE=$("$WRCTL" token issue alice)
services_start 2

r=$(post "$ALICE" '{"input":"list"}')
has "$r" "no shop here" "on the square there is no shop to list"
sql "UPDATE characters SET room_id = $INN WHERE id = $A_ID" >/dev/null
g0=$(gold)
act "$ALICE" "list"
is "$(types)" "ShopList" "list at the inn: ShopList"
is "$(last text)" "Marta the innkeeper sells:
  a loaf of bread, 2 gold
  a mug of ale, 2 gold" "Marta's wares at 200% of their value"
b0=$(carried "$BREAD")
act "$ALICE" "buy bread"
is "$(types)" "ItemBought" "buy bread: ItemBought"
is "$(last text_self)" "You buy a loaf of bread from Marta the innkeeper for 2 gold." "text_self"
is "$(gold) $(carried "$BREAD")" "$((g0 - 2)) $((b0 + 1))" "2 gold paid, one more loaf carried"
act "$ALICE" "buy mug of ale"
is "$(types) $(gold) $(carried "$ALE")" "ItemBought $((g0 - 4)) 1" "buy mug of ale: 2 gold, a mug"
act "$ALICE" "eat ale"
is "$(types) $(last reason)" "ActionRejected not_food" "eat ale: refused (drink it)"
sql "UPDATE characters SET hp = 5, hp_at = now() WHERE id = $A_ID" >/dev/null
act "$ALICE" "drink ale"
is "$(types) $(carried "$ALE")" "ItemEaten 0" "drink ale: the mug is gone"
act "$ALICE" "eat bread"
is "$(types) $(carried "$BREAD")" "ItemEaten $b0" "eat bread: one loaf fewer"
is "$(sql "SELECT hp FROM characters WHERE id = $A_ID")" 9 "ale and bread gave back 1 + 3 hp"
act "$ALICE" "value torch"
is "$(types)" "ShopValue" "value torch: ShopValue"
is "$(last text)" "Marta the innkeeper would pay you 1 gold for a pitch torch." "what Marta would pay"
act "$ALICE" "sell torch"
is "$(types) $(gold)" "ItemSold $((g0 - 3))" "sell torch: 1 gold more"
is "$(sql "SELECT owner_mob_id FROM items WHERE id = $TORCH")" "$MARTA" "Marta keeps the torch"
act "$ALICE" "buy sword"
is "$(types) $(last reason)" "ActionRejected no_such_ware" "Marta sells no swords"
sql "UPDATE characters SET room_id = $SMITHY WHERE id = $A_ID" >/dev/null
act "$ALICE" "buy long sword"
is "$(types) $(last reason)" "ActionRejected cant_afford" "at the smithy a long sword (48 gold) is too dear"
is "$(last text)" "A long sword costs 48 gold; you have $((g0 - 3))." "and Alice reads why"
act "$ALICE" "buy dagger"
is "$(types) $(gold)" "ItemBought $((g0 - 3 - 9))" "a dagger for 9 gold (120% of 8)"

is "$(sql "SELECT count(*) FROM dead_actions")" 0 "nothing was dead-lettered"
is "$(world_items)" "$items_before" "items: only what shops made and Alice ate came and went, each named"
is "$(world_coins)" "$coins_before" "gold: every coin paid and received is named"
finish
