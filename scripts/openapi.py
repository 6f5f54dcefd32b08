"""Writes server/src/api/openapi.json, the OpenAPI 3.1 document of Petal's JSON API.

Edit the paths and schemas here, run `python3 scripts/openapi.py`, commit both files; the unit
test `the_openapi_document_names_exactly_the_routes_we_serve` fails when the document and the
router disagree.
"""
import json
import pathlib
S=lambda name: {"$ref": f"#/components/schemas/{name}"}
def obj(props, required=None):
    o={"type":"object","properties":props}
    o["required"]=required if required is not None else list(props)
    return o
s=lambda **k: dict(type="string", **k)
i=lambda **k: dict(type="integer", **k)
b={"type":"boolean"}
uuid=s(format="uuid"); dt=s(format="date-time"); date=s(format="date")
opt=lambda x: {"oneOf":[x,{"type":"null"}]}
arr=lambda x: {"type":"array","items":x}
loc=S("Localized")
def resp(desc, schema=None):
    r={"description":desc}
    if schema: r["content"]={"application/json":{"schema":schema}}
    return r
E=lambda d: resp(d, S("Error"))
def body(schema): return {"required":True,"content":{"application/json":{"schema":schema}}}
csrf=[{"csrf":[]}]
def op(summary, tag, ok, okcode="200", req=None, errors=(), params=(), write=False, desc=None):
    o={"summary":summary,"tags":[tag],"responses":{okcode:ok}}
    if desc: o["description"]=desc
    if req: o["requestBody"]=body(req)
    if params: o["parameters"]=list(params)
    if req or params: o["responses"]["400"]=E("malformed: a body, path or query this route does not take; the message says what")
    if req: o["responses"]["422"]=E("a field needs fixing (control characters are refused in every text): each problem names the field")
    for code,text in errors: o["responses"][str(code)]=E(text)
    if write:
        o["security"]=csrf
        o["responses"]["403"]=E("missing or stale CSRF token" + (", or not staff" if "staff" in tag else ""))
    return o
path=lambda name, desc, schema=None: {"name":name,"in":"path","required":True,"description":desc,"schema":schema or s()}
U401=(401,"sign in first"); U422=(422,"a field needs fixing: each problem names the field"); U503=(503,"a context is not answering; try again shortly"); U404=(404,"no such thing, or not yours")
ST403=(403,"staff only")
T429=(429,"too many attempts from this address or for this account; wait for Retry-After seconds")
idem={"name":"Idempotency-Key","in":"header","required":False,"schema":s(minLength=1,maxLength=255),
      "description":"names this request once: sending it again (after a timeout) does it once. Required unless the body names the request (order_id, request_id)"}
schemas={
 "Error": obj({"error":s(description="stable code, e.g. invalid_input, sign_in_required, staff_only, csrf, not_found, try_again_shortly, too_many_requests"),"message":s(description="what to do, in words for a person"),"fields":arr(S("FieldProblem")),
   "retry_after":i(minimum=1,description="with 429 and 503: seconds to wait, as in the Retry-After header")},["error","message"]),
 "FieldProblem": obj({"field":s(),"code":s(description="required, too_long, invalid, past, out_of_stock, taken, …"),"message":s()}),
 "Localized": obj({"ko":s(),"en":s()}),
 "Account": obj({"id":uuid,"email":s(format="email"),"name":s(),"staff":b}),
 "Session": obj({"account":opt(S("Account")),"csrf_token":s(description="send it in X-CSRF-Token with every state change")}),
 "SignUp": obj({"email":s(format="email"),"name":s(),"password":s(minLength=10)}),
 "SignIn": obj({"email":s(format="email"),"password":s()}),
 "NewPassword": obj({"current_password":s(),"new_password":s(minLength=10,maxLength=128)}),
 "ProductInfo": obj({"slug":s(),"name_ko":s(),"name_en":s(),"description_ko":s(),"description_en":s(),"price_won":i(),"available":i(),"picture":s()}),
 "Checkout": obj({"order_id":dict(uuid, description="one per checkout form: sending it twice places one order (or send an Idempotency-Key header)"),
   "lines":arr(obj({"slug":s(),"quantity":i(minimum=1)})),"recipient_name":s(),"recipient_phone":s(),"address":s(),
   "delivery_date":date,"window":s(enum=["morning","afternoon","evening"]),"card_message":opt(s(maxLength=150)),
   "card_number":s(description="tokenized at once; never stored"),"card_expiry":s(example="12/30"),"card_cvc":s()},
   ["lines","recipient_name","recipient_phone","address","delivery_date","window","card_number","card_expiry","card_cvc"]),
 "Placed": obj({"order_id":uuid,"total_won":i(),"status":s(enum=["placed"])}),
 "OrderLine": obj({"product_id":uuid,"slug":s(),"name":loc,"unit_price":i(),"quantity":i()}),
 "OrderHistory": obj({"order_id":uuid,"customer_id":uuid,
   "status":s(enum=["placed","paid","rejected","cancelled"]),
   "payment_status":s(enum=["pending","approved","declined","refunded"]),
   "delivery_status":s(enum=["none","preparing","out_for_delivery","delivered","cancelled"]),"total_won":i(),
   "lines":arr(S("OrderLine")),"recipient_name":s(),"recipient_phone":opt(s(description="digits only; null for orders from before the view kept it")),"address":s(),"delivery_date":date,
   "time_window":s(enum=["morning","afternoon","evening"]),"card_message":opt(s()),
   "card_last4":s(),"placed_at":dt,"updated_at":dt}),
 "TimelineStep": obj({"step":s(enum=["placed","paid","payment_approved","payment_declined","rejected","cancelled",
   "refunded","preparing","out_for_delivery","delivered","delivery_cancelled"]),"detail":opt(s()),"at":dt,
   "by":s(format="email",description="the member of staff who took the step; sent to staff only")},["step","detail","at"]),
 "Message": obj({"id":uuid,"order_id":opt(uuid),"fact":s(),"title_ko":s(),"title_en":s(),"body_ko":s(),"body_en":s(),"created_at":dt,"read":b}),
 "Messages": obj({"unread":i(),"messages":arr(S("Message"))}),
 "Payment": obj({"order_id":uuid,"payment_id":uuid,"status":s(enum=["charging","approved","declined","voiding","cancelled","refunding","refunded"],description="charging, voiding and refunding are on their way to the card processor"),"amount":opt(i()),
   "last4":opt(s()),"reason":opt(s()),"refunded":opt(i()),"created_at":dt,"updated_at":dt}),
 "ScheduledDelivery": obj({"order_id":uuid,"status":s(enum=["preparing","out_for_delivery","delivered"]),"recipient_name":s(),"recipient_phone":s(),
   "address":s(),"delivery_date":date,"window":s(enum=["morning","afternoon","evening"]),"card_message":opt(s()),"updated_at":dt}),
 "Advanced": obj({"order_id":uuid,"status":s()}),
 "StockLevel": obj({"slug":s(),"name":loc,"price":i(),"on_hand":i(),"reserved":i(),"available":i(),"picture":s(),"low_stock":b}),
 "HistoryEntry": obj({"at":dt,"actor":s(),"reason":s(),"stock_delta":opt(i()),"on_hand_after":opt(i()),"price_before":opt(i()),"price_after":opt(i()),"order_id":opt(uuid)}),
 "NewFlower": obj({"slug":s(),"name":loc,"description":loc,"price_won":i(),"on_hand":i(),
   "picture":s(example="/flowers/red-rose-bouquet.svg",description="one of the shop's drawings, unless photo"),
   "photo":s(description="a PNG or JPEG of at most 512 KB as a data: URL; served at /pictures/<slug>")},["slug","name","description","price_won","on_hand"]),
 "NewPrice": obj({"price_won":i(),"reason":s()}),
 "ParkedMessage": obj({"context":s(),"kind":s(),"message_id":opt(uuid),"order_id":opt(s()),"at":opt(dt),"body":s()}),
 "DaySummary": obj({"day":date,"placed":i(),"paid":i(),"declined":i(),"cancelled":i(),"refunded":i(),"delivered":i(),
   "paid_won":i(),"refunded_won":i(),"revenue_won":i(description="paid_won - refunded_won")}),
 "FlowerNeed": obj({"slug":s(),"name":loc,"needed":i(description="stems the day's paid orders that have not left need"),"orders":i(),"on_hand":i(),"available":i(),
   "restock":i(description="needed - available when more than nothing: buy this many so another day like it can still be sold")}),
 "Preparation": obj({"day":date,"flowers":arr(S("FlowerNeed"))}),
 "StaffMember": obj({"email":s(format="email"),"name":s(),"added_by":opt(s(format="email")),"created_at":dt}),
 "Restock": obj({"quantity":i(minimum=1),"reason":s(),"request_id":dict(uuid, description="one per restock form: sending it twice adds the stock once (or send an Idempotency-Key header)")},["quantity","reason"]),
}
oid=path("id","the order",uuid); oid2=path("order_id","the order",uuid); slug=path("slug","the product's slug")
paths={
 "/api/accounts":{"post":op("Sign up and sign in","accounts",resp("signed in as the new account",S("Session")),"201",S("SignUp"),[U422,(409,"an account with this email exists"),T429],write=True)},
 "/api/sessions":{"delete":op("Sign out everywhere: every session of my account ends, this one too","accounts",resp("signed out everywhere"),"204",errors=[U401],write=True)},
 "/api/account/password":{"put":op("Change my password; my other sessions end and this browser gets a new one","accounts",resp("the new session",S("Session")),req=S("NewPassword"),errors=[U401,U422,T429,(503,"busy; try again in a moment")],write=True)},
 "/api/session":{
   "get":op("Who am I, and the CSRF token","accounts",resp("the session",S("Session"))),
   "post":op("Sign in (the session id is renewed)","accounts",resp("signed in",S("Session")),req=S("SignIn"),errors=[(401,"the email or the password is wrong"),T429,(503,"busy; try again in a moment")],write=True),
   "delete":op("Sign out","accounts",resp("signed out"),"204",write=True)},
 "/api/openapi.json":{"get":{"summary":"This document","tags":["catalog"],"responses":{"200":{"description":"OpenAPI 3.1","content":{"application/json":{"schema":{"type":"object"}}}}}}},
 "/pictures/{slug}":{"get":{"summary":"A photo staff uploaded for a flower","tags":["catalog"],"parameters":[path("slug","the product's slug")],
   "responses":{"200":{"description":"the picture","content":{"image/png":{"schema":s(format="binary")},"image/jpeg":{"schema":s(format="binary")}}},"304":{"description":"unchanged since the ETag the browser sent"},"404":E("no such picture")}}},
 "/api/productInfos":{"get":op("The public catalog","catalog",resp("every product",arr(S("ProductInfo"))))},
 "/api/orders":{"post":op("Place an order","orders",resp("placed; payment follows",S("Placed")),"201",S("Checkout"),[U401,U422,U503,(409,"the order id belongs to another checkout"),T429],params=[idem],write=True),
   "get":op("Find orders by number, recipient phone or customer email (staff)","staff",resp("at most 50, newest first",arr(S("OrderHistory"))),errors=[U401,ST403,U422],
     params=[{"name":"q","in":"query","required":True,"schema":s(maxLength=254),"description":"an order number (B1E11036), a phone number or an email address"}])},
 "/api/orders/{id}":{"get":op("One of my orders with its timeline","orders",resp("the order",{"allOf":[S("OrderHistory"),obj({"timeline":arr(S("TimelineStep"))})]}),errors=[U401,U404],params=[oid])},
 "/api/orders/{id}/cancel":{"post":op("Cancel my order while the flowers have not left","orders",resp("cancelled; a charge is refunded"),"204",errors=[U401,U404,(409,"too late: the reason says why"),U503],params=[oid],write=True)},
 "/api/orders/{id}/events":{"get":{"summary":"Live updates of one of my orders (server-sent events)","tags":["orders"],"parameters":[oid,{"name":"Last-Event-ID","in":"header","required":False,"schema":s(),"description":"resume after this event"}],
   "responses":{"200":{"description":"an `order` event with the order and its timeline whenever it changes","content":{"text/event-stream":{"schema":s()}}},"400":E("the order id is not a UUID"),"401":E("sign in first"),"404":E("no such order, or not yours"),"429":E("too many live pages open for this account")}}},
 "/api/orderHistories":{"get":op("My orders, newest first","orders",resp("my orders",arr(S("OrderHistory"))),errors=[U401])},
 "/api/payments":{"get":op("My payments, newest first","payments",resp("my payments",arr(S("Payment"))),errors=[U401,U503])},
 "/api/messages":{"get":op("My messages, newest first, with the unread count","messages",resp("my inbox",S("Messages")),errors=[U401,U503])},
 "/api/messages/{id}/read":{"post":op("Mark one of my messages read","messages",resp("my inbox",S("Messages")),errors=[U401,U503],params=[path("id","the message",uuid)],write=True)},
 "/api/events":{"get":{"summary":"Live nudges for my pages: my orders and my unread count; for staff also deliveries and stock (server-sent events)","tags":["messages"],
   "responses":{"200":{"description":"`orders`, `messages`, `deliveries`, `products` events","content":{"text/event-stream":{"schema":s()}}},"401":E("sign in first"),"429":E("too many live pages open for this account")}}},
 "/api/deliveries":{"get":op("The delivery schedule (staff)","staff",resp("paid deliveries by date and window",arr(S("ScheduledDelivery"))),errors=[U401,ST403,U422,U503],
   params=[{"name":"from","in":"query","required":False,"schema":date,"description":"first day; today in Seoul if absent"}])},
 "/api/deliveries/{order_id}/{step}":{"post":op("Send out or mark delivered (staff)","staff",resp("the new status",S("Advanced")),errors=[U401,U404,(409,"not possible now; the reason says why"),U503],
   params=[oid2,path("step","dispatch or deliver",s(enum=["dispatch","deliver"]))],write=True)},
 "/api/daySummary":{"get":op("A day at a glance: orders by step and revenue (staff)","staff",resp("the day",S("DaySummary")),errors=[U401,ST403,U422],
   params=[{"name":"day","in":"query","required":False,"schema":date,"description":"the day; today in Seoul if absent"}])},
 "/api/preparation":{"get":op("What the coming days' paid orders need, against the stock (staff)","staff",resp("per delivery day",arr(S("Preparation"))),errors=[U401,ST403,U422],
   params=[{"name":"from","in":"query","required":False,"schema":date,"description":"first delivery day; today in Seoul if absent"},
           {"name":"days","in":"query","required":False,"schema":i(minimum=1,maximum=14),"description":"how many days; 3 if absent"}])},
 "/api/staffAccounts":{
   "get":op("The shop's staff (staff)","staff",resp("oldest first",arr(S("StaffMember"))),errors=[U401,ST403]),
   "post":op("Add a staff member (staff)","staff",resp("added",S("StaffMember")),"201",S("SignUp"),[U401,U422],write=True)},
 "/api/staffAccounts/{email}":{"delete":op("Remove a colleague from the staff: they can no longer sign in and their sessions end (staff)","staff",resp("removed"),"204",
   errors=[U401,U404,(409,"not yourself, nor the account from the shop's configuration")],params=[path("email","the colleague's email")],write=True)},
 "/api/parked":{"get":op("Messages a context parked, optionally one order's (staff)","staff",resp("parked messages",arr(S("ParkedMessage"))),errors=[U401,ST403],
   params=[{"name":"order_id","in":"query","required":False,"schema":s(),"description":"the order (correlation id)"}])},
 "/api/parked/{context}/redrive":{"post":op("Send a context's parked messages back to its queue (staff)","staff",resp("how many moved",obj({"context":s(),"moved":i()})),errors=[U401,U404],
   params=[path("context","inventory, order, payment, delivery, notification or view")],write=True)},
 "/api/products":{
   "get":op("Stock levels of every product (staff)","staff",resp("on hand, reserved, available",arr(S("StockLevel"))),errors=[U401,ST403,U503]),
   "post":op("Add a flower (staff)","staff",resp("added",S("StockLevel")),"201",S("NewFlower"),[U401,U422,U503],write=True)},
 "/api/products/{slug}":{"patch":op("Change a price (staff)","staff",resp("changed",S("StockLevel")),req=S("NewPrice"),errors=[U401,U404,U422,U503],params=[slug],write=True)},
 "/api/products/{slug}/history":{"get":op("Who changed a product, when and why (staff)","staff",resp("newest first",arr(S("HistoryEntry"))),errors=[U401,ST403,U404,U503],params=[slug])},
 "/api/products/{slug}/restock":{"post":op("Restock (staff)","staff",resp("restocked",S("StockLevel")),req=S("Restock"),errors=[U401,U404,U422,U503],params=[slug,idem],write=True)},
}
doc={"openapi":"3.1.0","info":{"title":"Petal","version":"1","description":"The JSON API of Petal, a flower-delivery shop. Sessions are cookies; every POST, PATCH and DELETE must send the session's CSRF token (from GET /api/session) in X-CSRF-Token. Errors are {error, message, fields}."},
 "servers":[{"url":"/"}],"paths":paths,
 "components":{"schemas":schemas,"securitySchemes":{"csrf":{"type":"apiKey","in":"header","name":"X-CSRF-Token"}}}}
open(pathlib.Path(__file__).resolve().parent.parent / 'server/src/api/openapi.json','w').write(json.dumps(doc,indent=1,ensure_ascii=False)+"\n")
