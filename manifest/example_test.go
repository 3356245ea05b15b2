package manifest_test

import (
	"errors"
	"fmt"

	"addingov/manifest"
)

func Example() {
	m, err := manifest.Parse([]byte(`<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp">
  <Id>7e1f0c2a-1111-4222-8333-444455556666</Id>
  <Version>1.0</Version>
  <DisplayName DefaultValue="Order lookup"/>
  <Permissions>ReadItem</Permissions>
  <Rule xsi:type="RuleCollection" Mode="And">
    <Rule xsi:type="ItemIs" ItemType="Message" FormType="Read"/>
    <Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="Order" RegExValue="CO-\d{6}" PropertyName="Subject"/>
  </Rule>
</OfficeApp>`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Kind, m.Permission, m.HasRegexOrAttachmentRules())

	res := manifest.Evaluate(m.Rules, manifest.Item{Type: "message", FormType: "Read", Subject: "Re: CO-123456"}, manifest.EvalOptions{})
	fmt.Println(res.Activates, res.Matches["Order"])
	// Output:
	// mail ReadItem true
	// true [CO-123456]
}

func ExampleLimitError() {
	_, err := manifest.Parse([]byte(`<OfficeApp xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="MailApp"><Id>x</Id>
<Rule xsi:type="RuleCollection" Mode="Or">
<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="a" RegExValue="a" PropertyName="Subject"/>
<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="b" RegExValue="b" PropertyName="Subject"/>
<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="c" RegExValue="c" PropertyName="Subject"/>
<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="d" RegExValue="d" PropertyName="Subject"/>
<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="e" RegExValue="e" PropertyName="Subject"/>
<Rule xsi:type="ItemHasRegularExpressionMatch" RegExName="f" RegExValue="f" PropertyName="Subject"/>
</Rule></OfficeApp>`))
	var le *manifest.LimitError
	if errors.As(err, &le) {
		fmt.Println(le.Limit, le.Got, le.Max)
	}
	// Output: regular expressions 6 5
}
